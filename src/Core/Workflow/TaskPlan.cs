using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// What the orchestration needs to know about a task that is not yet dispatched, after the task registered itself
/// with its dependencies: read by an activity, so the orchestrator stays deterministic.
/// </summary>
public sealed record TaskPlan(
    TaskState Status,
    int Attempt,
    DateTimeOffset? ScheduledAt,
    int TimeoutSeconds,
    IReadOnlyList<string> WaitingFor,
    string? FailedDependency);
