namespace TaskScheduler.Core.Metrics;

/// <summary>The reply of <c>GET /system/status</c> (api-reference.md): each component's health and today's counts.</summary>
public sealed record SystemStatus(
    string Status,
    string Version,
    long Uptime,
    SystemStatus.ComponentSet Components,
    SystemStatus.TaskCounts TaskStats,
    SystemStatus.QueueCounts QueueDepths)
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Degraded = "degraded";

    public sealed record ComponentSet(ApiServer ApiServer, Probed Scheduler, WorkerCounts Workers, Probed Database, Probed Queues);

    public sealed record ApiServer(string Status, int InstanceCount, string Instance);

    /// <summary>A component reached by a real round trip: its latency, and what it says (or the error) in details.</summary>
    public sealed record Probed(string Status, double LatencyMs, IReadOnlyDictionary<string, object> Details);

    public sealed record WorkerCounts(string Status, long ActiveCount, long IdleCount, long OfflineCount);

    public sealed record TaskCounts(long Pending, long Queued, long Running, long CompletedToday, long FailedToday);

    public sealed record QueueCounts(long HighPriority, long NormalPriority, long LowPriority);
}
