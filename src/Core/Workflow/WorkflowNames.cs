namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The names shared by the orchestrations (in the Functions app) and the Core services that start them and raise
/// their events, so neither side spells them twice.
/// </summary>
public static class WorkflowNames
{
    /// <summary>The per-task orchestration (instance id = task id), version 2: <see cref="TaskRun"/> in, <see cref="Tasks.TaskState"/> out.</summary>
    public const string TaskWorkflow = "TaskWorkflow";

    /// <summary>
    /// Version 1 of the per-task orchestration, kept registered so instances started before the upgrade finish; new
    /// tasks never start it. Remove it once <c>GET /system/status</c> shows no version-1 instance running.
    /// </summary>
    public const string TaskOrchestrationV1 = "TaskOrchestration";

    /// <summary>
    /// The per-schedule orchestration (instance id = schedule id): an eternal loop of "fire what is due, sleep until
    /// the next fire time or a change", one <c>ContinueAsNew</c> per turn so its history stays a few events long.
    /// </summary>
    public const string ScheduleWorkflow = "ScheduleWorkflow";

    /// <summary>A schedule was changed, paused, resumed or deleted: plan again (payload: none).</summary>
    public const string ScheduleChangedEvent = "ScheduleChanged";

    /// <summary>The task's attempt ended, or the task was cancelled (payload <see cref="TaskChange"/>).</summary>
    public const string ChangedEvent = "TaskChanged";

    /// <summary>A dependency reached a terminal state (payload <see cref="DependencyFinished"/>).</summary>
    public const string DependencyEvent = "DependencyFinished";

    /// <summary>A scheduling field of the waiting task changed: read the plan again (payload: none).</summary>
    public const string ReplanEvent = "Replan";

    /// <summary>Version 1 only: an attempt started or ended (payload <c>AttemptUpdate</c>).</summary>
    public const string V1AttemptEvent = "AttemptUpdate";

    /// <summary>Version 1 only: the task was cancelled (payload: <c>true</c>).</summary>
    public const string V1CancelEvent = "Cancel";
}
