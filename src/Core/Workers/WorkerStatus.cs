namespace TaskScheduler.Core.Workers;

/// <summary>decisions.md: <c>active</c> runs at least one task, <c>idle</c> runs none, <c>offline</c> missed heartbeats.</summary>
public static class WorkerStatus
{
    public const string Active = "active";
    public const string Idle = "idle";
    public const string Offline = "offline";

    public static IReadOnlyList<string> All { get; } = [Active, Idle, Offline];
}
