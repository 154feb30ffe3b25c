using TaskScheduler.AgentProtocol;

namespace TaskScheduler.Core.Workers;

/// <summary>A worker as <c>GET /workers</c> shows it (api-reference.md).</summary>
public record WorkerResource(
    string Id,
    string Hostname,
    string Status,
    long TasksCompleted,
    long TasksFailed,
    int CurrentTasks,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset RegisteredAt,
    string Version,
    IReadOnlyList<string> Tags)
{
    public static WorkerResource From(Worker worker) => new(
        worker.Id,
        worker.Hostname,
        worker.Status,
        worker.TasksCompleted,
        worker.TasksFailed,
        CurrentTaskIdsOf(worker).Count,
        worker.LastHeartbeat,
        worker.RegisteredAt,
        worker.Version,
        worker.Tags);

    /// <summary>The tasks the worker runs: those of its last heartbeat, none once it is offline.</summary>
    public static IReadOnlyList<string> CurrentTaskIdsOf(Worker worker) =>
        worker.Status == WorkerStatus.Offline ? [] : worker.CurrentTaskIds;
}

/// <summary>A worker as <c>GET /workers/{id}</c> shows it: the list's fields, with its current task ids and resource usage.</summary>
public sealed record WorkerDetailResource : WorkerResource
{
    private WorkerDetailResource(WorkerResource summary, IReadOnlyList<string> currentTaskIds, WorkerResources resources)
        : base(summary)
    {
        CurrentTaskIds = currentTaskIds;
        Resources = resources;
    }

    public IReadOnlyList<string> CurrentTaskIds { get; }

    public WorkerResources Resources { get; }

    public static new WorkerDetailResource From(Worker worker) => new(
        WorkerResource.From(worker),
        CurrentTaskIdsOf(worker),
        new WorkerResources(worker.CpuUsage, worker.MemoryUsage, worker.DiskUsage));
}
