using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Functions.Http;

/// <summary>The tasks resource. Each function parses, calls Core, and shapes the reply; nothing else.</summary>
public sealed class TasksApi(TaskService tasks)
{
    [Function("ListTasks")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tasks")] HttpRequest request)
    {
        var query = TaskListQuery.Parse(request.Query);
        var (items, total) = await tasks.ListAsync(query, request.HttpContext.RequestAborted);
        return ApiResults.Ok(items.Select(TaskResource.From).ToList(), query.Page.Meta(total));
    }

    [Function("GetTask")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tasks/{id}")] HttpRequest request,
        string id)
    {
        var stored = await tasks.GetAsync(id, request.HttpContext.RequestAborted);
        return ApiResults.Ok(TaskResource.From(stored.Task));
    }

    [Function("CreateTask")]
    public async Task<IActionResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks")] HttpRequest request)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var created = await tasks.CreateAsync(TaskRequestParser.ParseCreate(body.RootElement, tasks.Now), cancellationToken);
        return ApiResults.Created(TaskResource.From(created));
    }

    [Function("UpdateTask")]
    public async Task<IActionResult> UpdateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "tasks/{id}")] HttpRequest request,
        string id)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        await tasks.GetAsync(id, cancellationToken);
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var updated = await tasks.UpdateAsync(id, TaskRequestParser.ParseUpdate(body.RootElement, tasks.Now), cancellationToken);
        return ApiResults.Ok(TaskResource.From(updated));
    }

    [Function("DeleteTask")]
    public async Task<IActionResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "tasks/{id}")] HttpRequest request,
        string id)
    {
        await tasks.DeleteAsync(id, request.HttpContext.RequestAborted);
        return ApiResults.Ok(new { success = true, message = "Task deleted successfully" });
    }
}
