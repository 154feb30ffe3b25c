using Microsoft.DurableTask;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;
using TaskScheduler.Functions.Activities;

namespace TaskScheduler.Functions.Orchestrations;

/// <summary>
/// Version 2 of the per-task orchestration (instance id = task id): the schedule timer, dependency fan-in with
/// re-planning, dispatch, the timeout timer, automatic retries with back-off, and cancellation. It never reads or
/// writes a task itself: <see cref="TaskLifecycle"/> owns every transition, through activities when the
/// orchestration decides and by raising <see cref="WorkflowNames.ChangedEvent"/> when something outside did.
/// <para>Lean by design: a task with no schedule and no dependencies arrives already dispatched (by the create), so
/// its whole run is this episode arming the timeout timer and one more for the end; the timer is armed with the
/// dispatch, for at most <see cref="FirstCheckSeconds"/> (the agent enforces the exact timeout; when the timer
/// fires, an activity checks the row and re-arms it for the deadline or ends the attempt); dependents are notified
/// only when there are any. History is bounded: at most <c>max_retries + 1</c> (≤ 21) attempts of a few events
/// each, plus one plan per edit.</para>
/// </summary>
public sealed class TaskWorkflow : TaskOrchestrator<TaskRun, TaskState>
{
    /// <summary>Activities fail only on storage faults: retry them, then let the run fail loudly.</summary>
    internal static readonly TaskOptions Retried = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 8, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>
    /// The attempt's first check comes at most this long after its dispatch (then at its deadline): a parked timer
    /// message costs on every queue call of the Azurite emulator, and is storage on Azure (see WaitForEndAsync).
    /// </summary>
    public const int FirstCheckSeconds = 30;

    public override Task<TaskState> RunAsync(TaskOrchestrationContext context, TaskRun input) =>
        new Run(context, input.TaskId).ExecuteAsync(input);

    /// <summary>
    /// A durable timer that never fires before <paramref name="fireAt"/>. The Azure Storage provider delays timer
    /// messages by whole seconds of queue visibility, so a timer can fire up to a second early; then it is re-armed.
    /// </summary>
    internal static async Task WaitUntilAsync(TaskOrchestrationContext context, DateTime fireAt, CancellationToken cancellationToken)
    {
        var target = fireAt;
        while (true)
        {
            await context.CreateTimer(target, cancellationToken);
            if (context.CurrentUtcDateTime >= fireAt)
            {
                return;
            }

            target = fireAt.AddSeconds(1);
        }
    }

    /// <summary>One run's state: one waiter per event name for the whole run (an abandoned waiter would swallow the next event).</summary>
    private sealed class Run(TaskOrchestrationContext context, string taskId)
    {
        private Task<TaskChange>? _changed;
        private Task<bool>? _replan;
        private Task<DependencyFinished>? _dependency;

        private Task<TaskChange> Changed => _changed ??= context.WaitForExternalEvent<TaskChange>(WorkflowNames.ChangedEvent);

        private Task<bool> Replan => _replan ??= context.WaitForExternalEvent<bool>(WorkflowNames.ReplanEvent);

        private Task<DependencyFinished> Dependency => _dependency ??= context.WaitForExternalEvent<DependencyFinished>(WorkflowNames.DependencyEvent);

        public async Task<TaskState> ExecuteAsync(TaskRun input)
        {
            var attempt = input.DispatchedAttempt;
            var timeout = input.TimeoutSeconds;
            TaskChange? ended = null;
            if (attempt == 0)
            {
                var (over, plan) = await WaitUntilRunnableAsync();
                if (over is not null)
                {
                    return await FinishAsync(over);
                }

                if (plan!.Status is TaskState.Queued or TaskState.Running)
                {
                    // A restarted run: the attempt was dispatched before; wait for it (a lost message is sent again by the check).
                    (attempt, timeout) = (plan.Attempt, plan.TimeoutSeconds);
                }
                else
                {
                    (attempt, timeout, ended) = await DispatchAsync(plan.Attempt + 1);
                }
            }

            while (true)
            {
                ended ??= await WaitForEndAsync(attempt, timeout);
                if (ended.Status != TaskState.Pending)
                {
                    return await FinishAsync(ended);
                }

                if (await BackOffAsync(ended) is { } cancelled)
                {
                    return await FinishAsync(cancelled);
                }

                (attempt, timeout, ended) = await DispatchAsync(ended.Attempt + 1);
            }
        }

        /// <summary>The schedule timer and the dependency fan-in, re-planned on every edit. Returns the plan to dispatch, or how the task ended.</summary>
        private async Task<(TaskChange? Over, TaskPlan? Plan)> WaitUntilRunnableAsync()
        {
            while (true)
            {
                var plan = await context.CallActivityAsync<TaskPlan?>(nameof(PlanTaskActivity), taskId, Retried);
                if (plan is null)
                {
                    return (TaskChange.Gone(0), null);
                }

                if (plan.Status.IsTerminal())
                {
                    return (new TaskChange(plan.Status, plan.Attempt, true), null);
                }

                if (plan.Status != TaskState.Pending)
                {
                    return (null, plan);
                }

                if (plan.ScheduledAt is { } at && at.UtcDateTime > context.CurrentUtcDateTime)
                {
                    using var timerCancel = new CancellationTokenSource();
                    var due = WaitUntilAsync(context, at.UtcDateTime, timerCancel.Token);
                    var woke = await WaitAsync(due);
                    if (woke is not null)
                    {
                        timerCancel.Cancel();
                        if (woke.Status == TaskState.Cancelled)
                        {
                            return (woke, null);
                        }

                        continue;
                    }
                }

                if (plan.FailedDependency is not null)
                {
                    return (await FailUnrunAsync(plan.FailedDependency), null);
                }

                var waiting = new HashSet<string>(plan.WaitingFor, StringComparer.Ordinal);
                var replanned = false;
                while (waiting.Count > 0 && !replanned)
                {
                    var winner = await Task.WhenAny(Dependency, Changed, Replan);
                    if (winner == Replan)
                    {
                        _replan = null;
                        replanned = true;
                    }
                    else if (winner == Changed)
                    {
                        var change = Take(ref _changed);
                        if (change.Status == TaskState.Cancelled)
                        {
                            return (change, null);
                        }
                    }
                    else
                    {
                        var finished = Take(ref _dependency);
                        if (!waiting.Remove(finished.TaskId))
                        {
                            continue;
                        }

                        if (finished.Status != TaskState.Completed)
                        {
                            return (await FailUnrunAsync($"Dependency {finished.TaskId} {finished.Status.ToWire()}."), null);
                        }
                    }
                }

                if (!replanned)
                {
                    return (null, plan);
                }
            }
        }

        /// <summary>Waits for <paramref name="timer"/>, a cancel or an edit. Null: the timer fired; else a cancel, or an edit as a pending change.</summary>
        private async Task<TaskChange?> WaitAsync(Task timer)
        {
            while (true)
            {
                var winner = await Task.WhenAny(timer, Changed, Replan);
                if (winner == timer)
                {
                    return null;
                }

                if (winner == Replan)
                {
                    _replan = null;
                    return new TaskChange(TaskState.Pending, 0, false);
                }

                var change = Take(ref _changed);
                if (change.Status == TaskState.Cancelled)
                {
                    return change;
                }
            }
        }

        /// <summary>Dispatches the attempt; while its predecessor may still run on its worker, waits and tries again (a cancel wins).</summary>
        private async Task<(int Attempt, int Timeout, TaskChange? Ended)> DispatchAsync(int attempt)
        {
            while (true)
            {
                var result = await context.CallActivityAsync<DispatchResult>(nameof(DispatchTaskActivity), new AttemptRef(taskId, attempt), Retried);
                if (result.Dispatched)
                {
                    return (attempt, result.TimeoutSeconds, null);
                }

                if (result.Over is { } over)
                {
                    return (over.Attempt, 0, over);
                }

                using var timerCancel = new CancellationTokenSource();
                var due = WaitUntilAsync(context, result.TryAgainAt!.Value.UtcDateTime, timerCancel.Token);
                while (true)
                {
                    if (await Task.WhenAny(due, Changed) == due)
                    {
                        break;
                    }

                    var change = Take(ref _changed);
                    if (change.Status == TaskState.Cancelled)
                    {
                        timerCancel.Cancel();
                        return (attempt, 0, change);
                    }
                }
            }
        }

        /// <summary>The attempt's end: reported (raised), or found by the timer's check, which also times it out.</summary>
        private async Task<TaskChange> WaitForEndAsync(int attempt, int timeoutSeconds)
        {
            // The first check comes early: a durable timer is a queue message that stays stored until it fires, even
            // after the task ended (the Azure Storage provider cannot withdraw it). Armed for the whole timeout
            // (default an hour), every finished task would leave one behind for that long; armed for at most
            // FirstCheck, a short task's timer is gone soon after it, and a long one is re-armed once, for its deadline.
            using var timerCancel = new CancellationTokenSource();
            var timer = WaitUntilAsync(context, context.CurrentUtcDateTime.AddSeconds(Math.Min(timeoutSeconds, FirstCheckSeconds)), timerCancel.Token);
            while (true)
            {
                if (await Task.WhenAny(Changed, timer) == timer)
                {
                    var check = await context.CallActivityAsync<AttemptCheck>(nameof(CheckAttemptActivity), new AttemptRef(taskId, attempt), Retried);
                    if (check.Ended is { } over)
                    {
                        return over;
                    }

                    timer = WaitUntilAsync(context, check.CheckAgainAt!.Value.UtcDateTime, timerCancel.Token);
                    continue;
                }

                var change = Take(ref _changed);
                if (change.Status == TaskState.Cancelled || (change.Attempt == attempt && change.Status is not (TaskState.Queued or TaskState.Running)))
                {
                    timerCancel.Cancel();
                    return change;
                }
            }
        }

        /// <summary>The automatic retry's back-off (its due time decided with the failure); null when it ran out, else the cancel that came first.</summary>
        private async Task<TaskChange?> BackOffAsync(TaskChange failed)
        {
            if (failed.RetryAt is not { } at || at.UtcDateTime <= context.CurrentUtcDateTime)
            {
                return null;
            }

            using var timerCancel = new CancellationTokenSource();
            var due = WaitUntilAsync(context, at.UtcDateTime, timerCancel.Token);
            while (true)
            {
                if (await Task.WhenAny(due, Changed) == due)
                {
                    return null;
                }

                var change = Take(ref _changed);
                if (change.Status == TaskState.Cancelled)
                {
                    timerCancel.Cancel();
                    return change;
                }
            }
        }

        private Task<TaskChange> FailUnrunAsync(string error) =>
            context.CallActivityAsync<TaskChange>(nameof(FailUnrunTaskActivity), new FailTaskRequest(taskId, error), Retried);

        /// <summary>The end of every run: tell the tasks that wait for this one, when there are any.</summary>
        private async Task<TaskState> FinishAsync(TaskChange ended)
        {
            if (ended.HasDependents)
            {
                await context.CallActivityAsync<int>(nameof(NotifyWaitingTasksActivity), new DependencyFinished(taskId, ended.Status), Retried);
            }

            return ended.Status;
        }

        private static T Take<T>(ref Task<T>? waiter)
        {
            var value = waiter!.Result;
            waiter = null;
            return value;
        }
    }
}
