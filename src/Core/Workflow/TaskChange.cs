using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// What a transition did to a task, as its orchestration needs to know it: the status after
/// (<see cref="TaskState.Pending"/> after an attempt = an automatic retry, due at <paramref name="RetryAt"/>), the
/// attempt it concerned, and whether tasks wait for this one (read after the write, so a dependent that registers
/// later reads the new state itself). Raised as <see cref="WorkflowNames.ChangedEvent"/> or returned by an activity;
/// either way it lands in the orchestration's history, so the orchestrator stays deterministic.
/// </summary>
public sealed record TaskChange(TaskState Status, int Attempt, bool HasDependents, DateTimeOffset? RetryAt = null)
{
    /// <summary>The task was deleted: its run ends as if cancelled, and nobody waits for it any more.</summary>
    public static TaskChange Gone(int attempt) => new(TaskState.Cancelled, attempt, false);
}
