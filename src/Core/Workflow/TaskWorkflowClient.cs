using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// Starts, stops and signals a task's orchestration (instance id = task id), in the shape the task's
/// orchestration version expects. Only <see cref="TaskLifecycle"/> and the sweeps call it. Takes the
/// <see cref="DurableTaskClient"/> per call, because the Functions host hands it to a function as a binding while
/// SelfHost has it in DI.
/// <para>Raising to a finished or missing instance is expected (a task that ended, was deleted or purged): the
/// Functions host's Azure Storage backend refuses it with <c>NotFound</c> / <c>FailedPrecondition</c>
/// (<c>throwStatusExceptionsOnRaiseEvent</c> in host.json), SelfHost's sidecar the same way, and it is logged at
/// debug level, never an error.</para>
/// </summary>
public sealed partial class TaskWorkflowClient(ILogger<TaskWorkflowClient> logger)
{
    /// <summary>How long a retry lets the previous run end by itself (it usually is finishing: it just ended the task).</summary>
    public static readonly TimeSpan PreviousRunGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a retry then waits for the terminated previous run to end before answering without the new run.</summary>
    public static readonly TimeSpan TerminationGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>How long the follow-up of such a retry waits for the terminated run to end (then the reconciler takes over).</summary>
    public static readonly TimeSpan FollowUpLimit = TimeSpan.FromSeconds(60);

    /// <summary>Starts the orchestration of a new task; <paramref name="dispatchedAttempt"/> is already on its queue (0: none).</summary>
    public async Task StartNewAsync(DurableTaskClient client, TaskItem task, int dispatchedAttempt, CancellationToken cancellationToken)
    {
        await client.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.TaskWorkflow,
            new TaskRun(task.Id, dispatchedAttempt, task.TimeoutSeconds),
            new StartOrchestrationOptions(InstanceId: task.Id),
            cancellationToken);
        LogStarted(logger, task.Id, dispatchedAttempt);
    }

    /// <summary>
    /// Starts a task's orchestration again (a manual retry, or the reconciler repairing a lost one): a finished
    /// previous run is replaced; one still finishing is given a moment, then terminated. The new run resumes from the
    /// task's current state (an attempt queued or running is waited for, not sent again).
    /// <para>Bounded: an HTTP request calls this, so it waits at most <see cref="PreviousRunGrace"/> +
    /// <see cref="TerminationGrace"/> on the Durable side (a cold engine can take minutes to process a termination).
    /// If the previous run has not ended by then, it returns false without starting and a follow-up, after the reply,
    /// starts the new run once the terminated one has ended. The task row, already written, is the source of truth: if
    /// the follow-up is lost (the host stopped the process), the reconciler starts the run (a non-terminal task whose
    /// orchestration is not running gets one).</para>
    /// </summary>
    /// <returns>Whether the new run was started.</returns>
    public async Task<bool> RestartAsync(DurableTaskClient client, TaskItem task, CancellationToken cancellationToken)
    {
        var existing = await client.GetInstanceAsync(task.Id, cancellationToken);
        if (existing is { IsRunning: true } or { RuntimeStatus: OrchestrationRuntimeStatus.Pending }
            && !await EndsWithinAsync(client, task.Id, PreviousRunGrace, cancellationToken))
        {
            await client.TerminateInstanceAsync(task.Id, "superseded by a new run of the task", cancellationToken);
            if (!await EndsWithinAsync(client, task.Id, TerminationGrace, cancellationToken))
            {
                LogRestartDeferred(logger, task.Id);
                _ = StartWhenEndedAsync(client, task);
                return false;
            }
        }

        await StartNewAsync(client, task, DispatchedAttemptOf(task), cancellationToken);
        return true;
    }

    private static int DispatchedAttemptOf(TaskItem task) => task.Status is TaskState.Queued or TaskState.Running ? task.Attempt : 0;

    /// <summary>
    /// The follow-up of a deferred restart, after the reply: once the terminated run has ended (within
    /// <see cref="FollowUpLimit"/>), the new run is started unless someone (the reconciler) already did. Best effort: a
    /// host may stop the process after the reply, and then the reconciler starts the run.
    /// </summary>
    private async Task StartWhenEndedAsync(DurableTaskClient client, TaskItem task)
    {
        // The boundary of this detached work: log and leave the rest to the reconciler; nothing awaits it.
        try
        {
            if (!await EndsWithinAsync(client, task.Id, FollowUpLimit, CancellationToken.None))
            {
                LogRestartLeftToReconciler(logger, task.Id);
                return;
            }

            var existing = await client.GetInstanceAsync(task.Id, CancellationToken.None);
            if (existing is { IsRunning: true } or { RuntimeStatus: OrchestrationRuntimeStatus.Pending })
            {
                return;
            }

            await StartNewAsync(client, task, DispatchedAttemptOf(task), CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogFollowUpFailed(logger, ex, task.Id);
        }
    }

    /// <summary>
    /// A deleted task's orchestration: a finished one's history is purged now; one that still waits (e.g. on a timer)
    /// is terminated without waiting for it to end (an HTTP request calls this), and its history is purged with every
    /// other finished run's by <see cref="HistoryPurger"/>. The task row is already gone, so nothing can revive it.
    /// </summary>
    public async Task RemoveAsync(DurableTaskClient client, string taskId, CancellationToken cancellationToken)
    {
        var existing = await client.GetInstanceAsync(taskId, cancellationToken);
        if (existing is null)
        {
            return;
        }

        if (!existing.IsCompleted)
        {
            await client.TerminateInstanceAsync(taskId, "task deleted", cancellationToken);
            LogTerminated(logger, taskId);
            return;
        }

        await client.PurgeInstanceAsync(taskId, null, cancellationToken);
        LogRemoved(logger, taskId);
    }

    /// <summary>Waits at most <paramref name="limit"/> for the instance to end; false when it has not.</summary>
    private static async Task<bool> EndsWithinAsync(DurableTaskClient client, string instanceId, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(limit);
        try
        {
            await client.WaitForInstanceCompletionAsync(instanceId, bounded.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Tells the task's orchestration what a transition outside it did.</summary>
    public Task ChangedAsync(DurableTaskClient client, TaskItem task, TaskChange change, CancellationToken cancellationToken)
    {
        if (task.WorkflowVersion >= TaskWorkflowVersions.Current)
        {
            return RaiseAsync(client, task.Id, WorkflowNames.ChangedEvent, change, cancellationToken);
        }

        // Version 1 waits for "Cancel" (true) and for "AttemptUpdate" with the status after as a string.
        return change.Status == TaskState.Cancelled
            ? RaiseAsync(client, task.Id, WorkflowNames.V1CancelEvent, true, cancellationToken)
            : RaiseAsync(client, task.Id, WorkflowNames.V1AttemptEvent, new AttemptUpdateV1(change.Attempt, false, change.Status.ToWire()), cancellationToken);
    }

    /// <summary>Version 1 only: it arms its timeout when told that the attempt started.</summary>
    public Task StartedAsync(DurableTaskClient client, TaskItem task, CancellationToken cancellationToken) =>
        task.WorkflowVersion >= TaskWorkflowVersions.Current
            ? Task.CompletedTask
            : RaiseAsync(client, task.Id, WorkflowNames.V1AttemptEvent, new AttemptUpdateV1(task.Attempt, true, null), cancellationToken);

    /// <summary>A waiting task's scheduling fields changed (version 1 read its plan once and cannot re-plan).</summary>
    public Task ReplanAsync(DurableTaskClient client, TaskItem task, CancellationToken cancellationToken) =>
        task.WorkflowVersion >= TaskWorkflowVersions.Current
            ? RaiseAsync(client, task.Id, WorkflowNames.ReplanEvent, true, cancellationToken)
            : Task.CompletedTask;

    /// <summary>Both versions wait for the same event (the status is sent as its lower-case name).</summary>
    public Task DependencyFinishedAsync(DurableTaskClient client, string dependentId, DependencyFinished finished, CancellationToken cancellationToken) =>
        RaiseAsync(client, dependentId, WorkflowNames.DependencyEvent, finished, cancellationToken);

    private async Task RaiseAsync(DurableTaskClient client, string instanceId, string name, object payload, CancellationToken cancellationToken)
    {
        try
        {
            await client.RaiseEventAsync(instanceId, name, payload, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            LogNotRunning(logger, name, instanceId, ex.StatusCode);
        }
    }

    [LoggerMessage(EventId = 3302, Level = LogLevel.Debug, Message = "Orchestration of task {TaskId} started (attempt {Attempt} already dispatched)")]
    private static partial void LogStarted(ILogger logger, string taskId, int attempt);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Debug, Message = "Orchestration of deleted task {TaskId} removed")]
    private static partial void LogRemoved(ILogger logger, string taskId);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Debug, Message = "Orchestration of deleted task {TaskId} terminated; its history is purged with the finished runs")]
    private static partial void LogTerminated(ILogger logger, string taskId);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Information, Message = "The previous run of task {TaskId} has not ended yet; the new run starts once it has")]
    private static partial void LogRestartDeferred(ILogger logger, string taskId);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Warning, Message = "The previous run of task {TaskId} has still not ended; the reconciler starts the new run")]
    private static partial void LogRestartLeftToReconciler(ILogger logger, string taskId);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Warning, Message = "Starting the new run of task {TaskId} after its previous one failed; the reconciler starts it")]
    private static partial void LogFollowUpFailed(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Event {Event} not raised: orchestration {InstanceId} is not running ({Status})")]
    private static partial void LogNotRunning(ILogger logger, string @event, string instanceId, StatusCode status);
}
