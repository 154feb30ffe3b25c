using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Api.OpenApi;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Http;

/// <summary>
/// The agent protocol for one attempt: claim, log, complete, fail. Every call carries the worker id and the
/// attempt and is fenced; a stale, duplicate or foreign call is a 409 that changes nothing.
/// </summary>
public sealed class AgentApi(TaskLifecycle lifecycle, TimeProvider clock)
{
    [Function("ClaimAttempt")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Claim an attempt of a queued task (agents).", Errors = [409])]
    public async Task<IActionResult> ClaimAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/claim")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var (workerId, attempt) = await ReadAttemptAsync(request, id);
        var task = await lifecycle.ClaimAsync(id, workerId, attempt, client, CancellationToken.None);
        return ApiResults.Ok(new
        {
            task_id = task.Id,
            attempt = task.Attempt,
            name = task.Name,
            command = task.Command,
            timeout_seconds = task.TimeoutSeconds,
            checkpoint_enabled = task.CheckpointEnabled,
            checkpoint_data = TaskResource.From(task).CheckpointData,
        });
    }

    [Function("CompleteAttempt")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Report an attempt's success (agents).", Errors = [409])]
    public Task<IActionResult> CompleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/complete")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) => EndAsync(request, id, client, succeeded: true);

    [Function("FailAttempt")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Report an attempt's failure (agents).", Errors = [409])]
    public Task<IActionResult> FailAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/fail")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) => EndAsync(request, id, client, succeeded: false);

    [Function("AppendTaskLogs")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Append log lines of the running attempt (agents).", Errors = [409])]
    public async Task<IActionResult> AppendLogsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/logs")] HttpRequest request,
        string id)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        TaskIds.Require(id);
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var (workerId, attempt) = AgentRequests.ParseAttempt(body.RootElement);
        var lines = AgentRequests.ParseLogLines(body.RootElement, attempt, clock.GetUtcNow());
        await lifecycle.AppendLogsAsync(new AttemptRef(id, attempt), workerId, lines, cancellationToken);
        return ApiResults.Ok(new { accepted = lines.Count });
    }

    private async Task<IActionResult> EndAsync(HttpRequest request, string id, DurableTaskClient client, bool succeeded)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        TaskIds.Require(id);
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var (workerId, attempt) = AgentRequests.ParseAttempt(body.RootElement);
        var outcome = AgentRequests.ParseOutcome(body.RootElement, succeeded);
        var task = await lifecycle.EndAttemptAsync(new AttemptRef(id, attempt), workerId, outcome, client, CancellationToken.None);
        return ApiResults.Ok(new { id, status = task.Status.ToWire(), retry_count = task.RetryCount, updated_at = task.UpdatedAt });
    }

    private static async Task<(string WorkerId, int Attempt)> ReadAttemptAsync(HttpRequest request, string id)
    {
        TaskIds.Require(id);
        using var body = await RequestBody.ReadJsonAsync(request, request.HttpContext.RequestAborted);
        return AgentRequests.ParseAttempt(body.RootElement);
    }
}
