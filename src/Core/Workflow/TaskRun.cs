namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The input of <see cref="WorkflowNames.TaskWorkflow"/>. <paramref name="DispatchedAttempt"/> is the attempt the
/// starter already put on its queue (the first dispatch of a task with no schedule and no dependencies is done inline
/// by the create), 0 when the orchestration must plan and dispatch itself. <paramref name="TimeoutSeconds"/> arms the
/// timeout timer of that inline attempt without reading the task.
/// </summary>
public sealed record TaskRun(string TaskId, int DispatchedAttempt, int TimeoutSeconds);
