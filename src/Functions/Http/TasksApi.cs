using Microsoft.DurableTask.Client;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Http;

/// <summary>The tasks resource. Each function parses, calls Core, and shapes the reply; nothing else.</summary>
public sealed class TasksApi(TaskService tasks, TaskLifecycle lifecycle, TaskWorkflowClient workflows, TaskLogStore logs, IdempotencyStore idempotency)
{
    [Function("GetTaskLogs")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("A task's log: the scheduler's lines and the command's, in time order.", Reply = typeof(LogEntry), List = true, Query = ["limit:logs", "offset", "level"])]
    public async Task<IActionResult> GetLogsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tasks/{id}/logs")] HttpRequest request,
        string id)
    {
        var query = TaskLogQuery.Parse(request.Query);
        var stored = await tasks.GetAsync(id, request.HttpContext.RequestAborted);
        var (page, meta) = query.Apply(TaskLogQuery.Merge(stored.Item.SchedulerLog, await logs.ReadAllAsync(id, request.HttpContext.RequestAborted)));
        return ApiResults.Ok(page, meta);
    }

    [Function("ListTasks")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("List tasks.", Reply = typeof(TaskResource), List = true, Query = ["status", "tag", "sort", "order", "page", "limit"])]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tasks")] HttpRequest request)
    {
        var query = TaskListQuery.Parse(request.Query);
        var (items, total) = await tasks.ListAsync(query, request.HttpContext.RequestAborted);
        return ApiResults.Ok(items.Select(TaskResource.From).ToList(), query.Page.Meta(total));
    }

    [Function("GetTask")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("Get a task.", Reply = typeof(TaskResource))]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "tasks/{id}")] HttpRequest request,
        string id)
    {
        var stored = await tasks.GetAsync(id, request.HttpContext.RequestAborted);
        return ApiResults.Ok(TaskResource.From(stored.Item));
    }

    [Function("CreateTask")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Create a task.", Body = "TaskCreate", Reply = typeof(TaskResource), Status = 201, Idempotent = true)]
    public async Task<IActionResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks")] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var parsed = TaskRequestParser.ParseCreate(body.RootElement, tasks.Now);
        if (!request.Headers.TryGetValue(IdempotencyStore.HeaderName, out var key))
        {
            // From here on the client's disconnect does not stop the create half-way: the task, its index rows, its
            // orchestration and its first dispatch are written in order, or the reconciliation sweep finishes the job.
            return ApiResults.Created(TaskResource.From(await lifecycle.CreateAsync(parsed, client, CancellationToken.None)));
        }

        return await IdempotentCreate.RunAsync(idempotency, request, "POST /tasks", key.ToString(), body.RootElement.GetRawText(), TaskIds.New, async id =>
            ApiResults.Created(TaskResource.From(await lifecycle.CreateAsync(parsed, client, CancellationToken.None, id))));
    }

    [Function("UpdateTask")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Change a task.", Body = "TaskUpdate", Reply = typeof(TaskResource), Errors = [409])]
    public async Task<IActionResult> UpdateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "tasks/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        await tasks.GetAsync(id, cancellationToken);
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var updated = await lifecycle.UpdateAsync(id, TaskRequestParser.ParseUpdate(body.RootElement, tasks.Now), client, cancellationToken);
        return ApiResults.Ok(TaskResource.From(updated));
    }

    [Function("CancelTask")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Cancel a pending, queued or running task (a running command is killed).", Reply = typeof(TaskCancelled), Errors = [409])]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/cancel")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var cancelled = await lifecycle.CancelAsync(TaskIds.Require(id), client, CancellationToken.None);
        return ApiResults.Ok(TaskCancelled.From(cancelled));
    }

    [Function("RetryTask")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Retry a failed or cancelled task: one more attempt.", Reply = typeof(TaskRetried), Errors = [409])]
    public async Task<IActionResult> RetryAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/retry")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var retried = await lifecycle.RetryAsync(TaskIds.Require(id), client, CancellationToken.None);
        return ApiResults.Ok(TaskRetried.From(retried));
    }

    [Function("CheckpointTask")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Save a running task's checkpoint (agents).", Body = nameof(CheckpointRequest), Reply = typeof(CheckpointReply), Errors = [409])]
    public async Task<IActionResult> CheckpointAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/checkpoint")] HttpRequest request,
        string id)
    {
        var checkpoint = await RequestBody.ReadTaskCallAsync(request, id, AgentRequests.ParseCheckpoint);
        var updated = await lifecycle.CheckpointAsync(id, checkpoint.CheckpointData!.Value, checkpoint.WorkerId, checkpoint.Attempt, request.HttpContext.RequestAborted);
        return ApiResults.Ok(new CheckpointReply(id, TaskResource.From(updated).CheckpointData, updated.UpdatedAt));
    }

    [Function("DeleteTask")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Delete a task (not while it runs or another task depends on it).", Reply = typeof(Deleted), Errors = [409])]
    public async Task<IActionResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "tasks/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        await tasks.DeleteAsync(id, request.HttpContext.RequestAborted);
        await workflows.RemoveAsync(client, id, CancellationToken.None);
        return ApiResults.Ok(Deleted.Because("Task deleted successfully"));
    }
}
