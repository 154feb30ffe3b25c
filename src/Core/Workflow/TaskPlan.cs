namespace TaskScheduler.Core.Workflow;

/// <summary>
/// What the orchestration needs to know about its task when it starts, after the task registered itself with
/// its dependencies: read by an activity, so the orchestrator stays deterministic.
/// </summary>
public sealed record TaskPlan(
    string Status,
    DateTimeOffset? ScheduledAt,
    int TimeoutSeconds,
    int LastAttempt,
    IReadOnlyList<string> WaitingFor,
    string? FailedDependency,
    double RetryBaseDelaySeconds,
    double RetryMaxDelaySeconds);

/// <summary>Names one attempt of one task.</summary>
public sealed record AttemptRef(string TaskId, int Attempt);

/// <summary>Fails a task that never ran (e.g. a dependency failed).</summary>
public sealed record FailTaskRequest(string TaskId, string Error);
