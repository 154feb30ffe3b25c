namespace TaskScheduler.Core.Workers;

/// <summary>
/// A worker agent as the domain sees it. Immutable: changes are <c>with</c> copies written under the row's ETag
/// (<see cref="WorkerRepository.UpdateAsync"/>); <see cref="WorkerEntity"/> is only how it is stored.
/// </summary>
public sealed record Worker
{
    public required string Id { get; init; }
    public required string Hostname { get; init; }

    /// <summary>One of <see cref="WorkerStatus"/>.</summary>
    public string Status { get; init; } = WorkerStatus.Idle;

    public required string Version { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public int Concurrency { get; init; }
    public long TasksCompleted { get; init; }
    public long TasksFailed { get; init; }

    /// <summary>The task ids the agent reported running in its last heartbeat (stale once it is offline).</summary>
    public IReadOnlyList<string> CurrentTaskIds { get; init; } = [];

    public required DateTimeOffset LastHeartbeat { get; init; }
    public required DateTimeOffset RegisteredAt { get; init; }
    public double CpuUsage { get; init; }
    public double MemoryUsage { get; init; }
    public double DiskUsage { get; init; }
}
