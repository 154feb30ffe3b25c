namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The names shared by the orchestration (in the Functions app) and the Core services that start it and raise
/// its events, so neither side spells them twice.
/// </summary>
public static class WorkflowNames
{
    /// <summary>The per-task orchestration; its instance id is the task id.</summary>
    public const string TaskOrchestration = "TaskOrchestration";

    /// <summary>An attempt started or ended (payload <see cref="AttemptUpdate"/>).</summary>
    public const string AttemptEvent = "AttemptUpdate";

    /// <summary>The task was cancelled through the API (payload: none).</summary>
    public const string CancelEvent = "Cancel";

    /// <summary>A dependency reached a terminal state (payload <see cref="DependencyFinished"/>).</summary>
    public const string DependencyEvent = "DependencyFinished";
}

/// <summary>The orchestration's input: small, everything else is read by activities.</summary>
public sealed record TaskWorkflowInput(string TaskId);

/// <summary>An attempt's news: started, or ended with the task's status after the end.</summary>
public sealed record AttemptUpdate(int Attempt, bool Started, string? StatusAfter);

/// <summary>A dependency ended: its id and terminal status.</summary>
public sealed record DependencyFinished(string TaskId, string Status);
