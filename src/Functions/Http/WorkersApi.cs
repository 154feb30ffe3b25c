using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Functions.Http;

/// <summary>Worker agents: registration and heartbeats (the agent protocol), and the worker views.</summary>
public sealed class WorkersApi(WorkerService workers, WorkerQueries queries)
{
    [Function("ListWorkers")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("List workers.", Reply = typeof(WorkerResource), List = true, Query = ["status:workers", "page", "limit"])]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "workers")] HttpRequest request)
    {
        var (items, meta) = await queries.ListAsync(WorkerQueries.ParseList(request.Query), request.HttpContext.RequestAborted);
        return ApiResults.Ok(items, meta);
    }

    [Function("GetWorker")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("Get a worker.", Reply = typeof(WorkerDetailResource))]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "workers/{id}")] HttpRequest request,
        string id) =>
        ApiResults.Ok(WorkerDetailResource.From(await queries.GetAsync(id, request.HttpContext.RequestAborted)));

    [Function("ListWorkerTasks")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("The tasks a worker ran or runs, newest first.", Reply = typeof(TaskSummary), List = true, Query = ["status", "page", "limit"])]
    public async Task<IActionResult> ListTasksAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "workers/{id}/tasks")] HttpRequest request,
        string id)
    {
        var (items, meta) = await queries.ListTasksAsync(id, WorkerQueries.ParseList(request.Query), request.HttpContext.RequestAborted);
        return ApiResults.Ok(items, meta);
    }

    [Function("RegisterWorker")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("Register an agent (agents).", Body = nameof(WorkerRegistration), Reply = typeof(WorkerDetailResource), Meta = typeof(WorkerTiming), Status = 201)]
    public async Task<IActionResult> RegisterAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "workers")] HttpRequest request)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var worker = await workers.RegisterAsync(AgentRequests.ParseRegistration(body.RootElement), cancellationToken);
        return ApiResults.Created(WorkerDetailResource.From(worker), new WorkerTiming(workers.HeartbeatIntervalSeconds, workers.LeaseSeconds));
    }

    [Function("WorkerHeartbeat")]
    [RequiresScope(Scopes.Workers)]
    [ApiOperation("An agent's heartbeat, with its running attempts (agents).", Body = nameof(HeartbeatRequest), Reply = typeof(HeartbeatReply))]
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
