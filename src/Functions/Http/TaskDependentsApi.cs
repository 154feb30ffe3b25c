using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Functions.Http;

/// <summary>
/// The downstream side of the dependency graph: the tasks that list a task among their <c>dependencies</c> (the
/// upstream side is the task's own <c>dependencies</c>). Read-only; added for the dashboard's dependency view.
/// </summary>
public sealed class TaskDependentsApi(TaskService tasks)
{
    private static readonly string[] Allowed = ["page", "limit"];

    [Function("ListTaskDependents")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("The tasks that depend on a task.", Reply = typeof(TaskResource), List = true, Query = ["page", "limit"])]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tasks/{id}/dependents")] HttpRequest request,
        string id)
    {
        var page = PageRequest.From(QueryParameters.Parse(request.Query, Allowed));
        var (items, meta) = await tasks.ListDependentsAsync(id, page, request.HttpContext.RequestAborted);
        return ApiResults.Ok(items.Select(TaskResource.From).ToList(), meta);
    }
}
