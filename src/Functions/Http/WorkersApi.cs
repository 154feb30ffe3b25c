using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Functions.Http;

/// <summary>Worker agents: registration and heartbeats (the agent protocol), and the worker views.</summary>
public sealed class WorkersApi(WorkerService workers)
{
    [Function("RegisterWorker")]
    public async Task<IActionResult> RegisterAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "workers")] HttpRequest request)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var worker = await workers.RegisterAsync(body.RootElement, cancellationToken);
        return ApiResults.Created(
            WorkerDetailResource.From(worker),
            new { heartbeat_interval_seconds = workers.HeartbeatIntervalSeconds, lease_seconds = workers.LeaseSeconds });
    }

    [Function("WorkerHeartbeat")]
    public async Task<IActionResult> HeartbeatAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "workers/{id}/heartbeat")] HttpRequest request,
        string id)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!WorkerService.IsValidId(id))
        {
            throw ApiException.NotFound($"Worker '{id}' is not registered.");
        }

        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var (running, resources) = AgentRequests.ParseHeartbeat(body.RootElement);
        return ApiResults.Ok(await workers.HeartbeatAsync(id, running, resources, cancellationToken));
    }
}
