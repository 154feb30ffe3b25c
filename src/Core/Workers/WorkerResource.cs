using System.Text.Json;
using System.Text.Json.Serialization;

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
    public static WorkerResource From(WorkerEntity worker) => new(
        worker.PartitionKey,
        worker.Hostname,
        worker.Status,
        worker.TasksCompleted,
        worker.TasksFailed,
        CurrentTaskIdsOf(worker).Count,
        worker.LastHeartbeat,
        worker.RegisteredAt,
        worker.Version,
        JsonSerializer.Deserialize<string[]>(worker.Tags) ?? []);

    public static IReadOnlyList<string> CurrentTaskIdsOf(WorkerEntity worker) =>
        worker.Status == WorkerStatus.Offline ? [] : JsonSerializer.Deserialize<string[]>(worker.CurrentTaskIds) ?? [];
}

/// <summary>A worker as <c>GET /workers/{id}</c> shows it: with its current task ids and resource usage.</summary>
public sealed record WorkerDetailResource(
    string Id,
    string Hostname,
    string Status,
    long TasksCompleted,
    long TasksFailed,
    int CurrentTasks,
    IReadOnlyList<string> CurrentTaskIds,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset RegisteredAt,
    string Version,
    IReadOnlyList<string> Tags,
    WorkerResources Resources)
{
    public static WorkerDetailResource From(WorkerEntity worker)
    {
        var summary = WorkerResource.From(worker);
        return new(
            summary.Id,
            summary.Hostname,
            summary.Status,
            summary.TasksCompleted,
            summary.TasksFailed,
            summary.CurrentTasks,
            WorkerResource.CurrentTaskIdsOf(worker),
            summary.LastHeartbeat,
            summary.RegisteredAt,
            summary.Version,
            summary.Tags,
            new WorkerResources(worker.CpuUsage, worker.MemoryUsage, worker.DiskUsage));
    }
}

/// <summary>Fractions 0..1 of the agent machine's CPU, memory and disk in use.</summary>
public sealed record WorkerResources(double CpuUsage, double MemoryUsage, double DiskUsage);

/// <summary>One attempt an agent runs, as it reports it in a heartbeat (and as a kill order names it).</summary>
public sealed record RunningAttempt(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("attempt")] int Attempt);

/// <summary>The reply to a heartbeat: what to stop, and the timing the agent must keep.</summary>
public sealed record HeartbeatReply(IReadOnlyList<RunningAttempt> Kill, int HeartbeatIntervalSeconds, int LeaseSeconds);
