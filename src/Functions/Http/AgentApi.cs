using System.Text.Json;
using Microsoft.DurableTask.Client;
using TaskScheduler.AgentProtocol;
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
    [ApiOperation("Claim an attempt of a queued task (agents).", Body = nameof(ClaimRequest), Reply = typeof(ClaimedAttempt), Errors = [409])]
    public async Task<IActionResult> ClaimAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/claim")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var claim = await RequestBody.ReadTaskCallAsync(request, id, AgentRequests.ParseClaim);
        var task = await lifecycle.ClaimAsync(id, claim.WorkerId, claim.Attempt, client, CancellationToken.None);
        return ApiResults.Ok(new ClaimedAttempt(
            task.Id,
            task.Attempt,
            task.Name,
            task.Command,
            task.TimeoutSeconds,
            task.CheckpointEnabled,
            TaskResource.From(task).CheckpointData));
    }

    [Function("CompleteAttempt")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Report an attempt's success (agents).", Body = nameof(CompleteRequest), Reply = typeof(AttemptEndReply), Errors = [409])]
    public Task<IActionResult> CompleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/complete")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) => EndAsync(request, id, client, AgentRequests.ParseComplete);

    [Function("FailAttempt")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Report an attempt's failure (agents).", Body = nameof(FailRequest), Reply = typeof(AttemptEndReply), Errors = [409])]
    public Task<IActionResult> FailAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/fail")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) => EndAsync(request, id, client, AgentRequests.ParseFail);

    [Function("AppendTaskLogs")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Append log lines of the running attempt (agents).", Body = nameof(LogBatch), Reply = typeof(LogBatchReply), Errors = [409])]
    public async Task<IActionResult> AppendLogsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "tasks/{id}/logs")] HttpRequest request,
        string id)
    {
        var (workerId, attempt, lines) = await RequestBody.ReadTaskCallAsync(request, id, root => AgentRequests.ParseLogs(root, clock.GetUtcNow()));
        await lifecycle.AppendLogsAsync(new AttemptRef(id, attempt), workerId, lines, request.HttpContext.RequestAborted);
        return ApiResults.Ok(new LogBatchReply(lines.Count));
    }

    private async Task<IActionResult> EndAsync(
        HttpRequest request,
        string id,
        DurableTaskClient client,
        Func<JsonElement, (string WorkerId, int Attempt, AttemptOutcome Outcome)> parse)
    {
        var (workerId, attempt, outcome) = await RequestBody.ReadTaskCallAsync(request, id, parse);
        var task = await lifecycle.EndAttemptAsync(new AttemptRef(id, attempt), workerId, outcome, client, CancellationToken.None);
        return ApiResults.Ok(new AttemptEndReply(id, task.Status.ToWire(), task.RetryCount, task.UpdatedAt));
    }
}
