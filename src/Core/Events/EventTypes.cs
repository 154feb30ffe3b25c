namespace TaskScheduler.Core.Events;

/// <summary>The eight event types of the spec.</summary>
public static class EventTypes
{
    public const string TaskCreated = "task.created";
    public const string TaskStarted = "task.started";
    public const string TaskCompleted = "task.completed";
    public const string TaskFailed = "task.failed";
    public const string TaskCancelled = "task.cancelled";
    public const string TaskRetrying = "task.retrying";
    public const string WorkerRegistered = "worker.registered";
    public const string WorkerOffline = "worker.offline";
    public const string ScheduleFired = "schedule.fired";
    public const string ScheduleFailed = "schedule.failed";

    public static IReadOnlyList<string> All { get; } =
        [TaskCreated, TaskStarted, TaskCompleted, TaskFailed, TaskCancelled, TaskRetrying, WorkerRegistered, WorkerOffline, ScheduleFired, ScheduleFailed];
}
