using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Orchestrations.V1;

/// <summary>
/// VERSION 1, kept unchanged (but for names) so that instances started before lifecycle v2 replay and finish; no new
/// task starts it (<see cref="TaskWorkflow"/> is version 2). Its activities are thin adapters over the v2
/// <see cref="TaskLifecycle"/> that keep version 1's wire shapes (statuses as strings).
/// <para>One orchestration per task (instance id = task id): the schedule timer, dependency fan-in, dispatch, the
/// timeout timer, automatic retries with back-off, and cancellation. Task state is read and written only by
/// activities and the agent protocol; this class decides, deterministically, what comes next.
/// History is bounded: at most <c>max_retries + 1</c> (≤ 21) attempts of a handful of events each.</para>
/// </summary>
[DurableTask(WorkflowNames.TaskOrchestrationV1)]
public sealed class TaskOrchestrationV1 : TaskOrchestrator<TaskWorkflowInput, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, TaskWorkflowInput input)
    {
        var log = context.CreateReplaySafeLogger<TaskOrchestrationV1>();
        var taskId = input.TaskId;
        var plan = await context.CallActivityAsync<TaskPlanV1?>(nameof(PrepareTaskActivity), taskId);
        if (plan is null)
        {
            return "deleted";
        }

        // One waiter per event name for the whole run: an abandoned waiter would swallow the next event.
        var cancelled = context.WaitForExternalEvent<bool>(WorkflowNames.V1CancelEvent);
        var runner = new AttemptRunner(context, taskId, cancelled);

        switch (plan.Status)
        {
            case "completed" or "failed" or "cancelled":
                return await FinishAsync(context, taskId, plan.Status);
            case "queued":
                // A restarted run: the attempt was dispatched before; send it again (a duplicate loses its claim).
                return await runner.RunAttemptsAsync(plan, plan.LastAttempt);
            case "running":
                return await runner.RunAttemptsAsync(plan, plan.LastAttempt, alreadyStarted: true);
        }

        if (plan.ScheduledAt is { } at && at.UtcDateTime > context.CurrentUtcDateTime)
        {
            using var timerCancel = new CancellationTokenSource();
            var due = TaskWorkflow.WaitUntilAsync(context, at.UtcDateTime, timerCancel.Token);
            if (await Task.WhenAny(due, cancelled) == cancelled)
            {
                timerCancel.Cancel();
                return await FinishAsync(context, taskId, "cancelled");
            }
        }

        if (plan.FailedDependency is not null)
        {
            return await FailUnrunAsync(context, taskId, plan.FailedDependency);
        }

        var waiting = new HashSet<string>(plan.WaitingFor, StringComparer.Ordinal);
        Task<DependencyFinishedV1>? next = null;
        while (waiting.Count > 0)
        {
            next ??= context.WaitForExternalEvent<DependencyFinishedV1>(WorkflowNames.DependencyEvent);
            if (await Task.WhenAny(next, cancelled) == cancelled)
            {
                return await FinishAsync(context, taskId, "cancelled");
            }

            var finished = next.Result;
            next = null;
            if (!waiting.Contains(finished.TaskId))
            {
                continue;
            }

            if (finished.Status != "completed")
            {
                return await FailUnrunAsync(context, taskId, $"Dependency {finished.TaskId} {finished.Status}.");
            }

            waiting.Remove(finished.TaskId);
            log.LogInformation("Task {TaskId}: dependency {DependencyId} completed, {Left} left", taskId, finished.TaskId, waiting.Count);
        }

        return await runner.RunAttemptsAsync(plan, plan.LastAttempt + 1);
    }

    /// <summary>The end of every run: tell the tasks that wait for this one.</summary>
    internal static async Task<string> FinishAsync(TaskOrchestrationContext context, string taskId, string status)
    {
        await context.CallActivityAsync<int>(nameof(NotifyDependentsActivity), new DependencyFinishedV1(taskId, status));
        return status;
    }

    private static async Task<string> FailUnrunAsync(TaskOrchestrationContext context, string taskId, string error)
    {
        var status = await context.CallActivityAsync<string>(nameof(FailTaskActivity), new FailTaskRequest(taskId, error));
        return await FinishAsync(context, taskId, status);
    }

    /// <summary>Dispatch, wait for the start, then for the end racing the timeout and a cancel; retry with back-off.</summary>
    private sealed class AttemptRunner(TaskOrchestrationContext context, string taskId, Task<bool> cancelled)
    {
        private Task<AttemptUpdateV1>? _update;

        public async Task<string> RunAttemptsAsync(TaskPlanV1 plan, int attempt, bool alreadyStarted = false)
        {
            while (true)
            {
                if (!alreadyStarted)
                {
                    var status = await context.CallActivityAsync<string>(nameof(DispatchAttemptActivity), new AttemptRef(taskId, attempt));
                    if (status != "queued")
                    {
                        return await FinishAsync(context, taskId, status);
                    }
                }

                var outcome = await WaitForEndAsync(plan, attempt, alreadyStarted);
                if (outcome != "pending")
                {
                    return await FinishAsync(context, taskId, outcome);
                }

                // Retry: exponential back-off with jitter drawn from the replay-safe GUID.
                var delay = BackOff(plan, attempt, context.NewGuid());
                context.CreateReplaySafeLogger<TaskOrchestrationV1>().LogInformation(
                    "Task {TaskId}: attempt {Attempt} failed; retrying in {Delay}", taskId, attempt, delay);
                using var timerCancel = new CancellationTokenSource();
                var due = TaskWorkflow.WaitUntilAsync(context, context.CurrentUtcDateTime.Add(delay), timerCancel.Token);
                if (await Task.WhenAny(due, cancelled) == cancelled)
                {
                    timerCancel.Cancel();
                    return await FinishAsync(context, taskId, "cancelled");
                }

                attempt++;
                alreadyStarted = false;
            }
        }

        private async Task<string> WaitForEndAsync(TaskPlanV1 plan, int attempt, bool started)
        {
            using var timerCancel = new CancellationTokenSource();
            Task? timeout = started ? StartTimeout() : null;
            while (true)
            {
                _update ??= context.WaitForExternalEvent<AttemptUpdateV1>(WorkflowNames.V1AttemptEvent);
                var winner = await Task.WhenAny(timeout is null ? [_update, cancelled] : [_update, cancelled, timeout]);
                if (winner == cancelled)
                {
                    timerCancel.Cancel();
                    return "cancelled";
                }

                if (winner == timeout)
                {
                    return await context.CallActivityAsync<string>(nameof(TimeOutAttemptActivity), new AttemptRef(taskId, attempt));
                }

                var update = _update.Result;
                _update = null;
                if (update.Attempt != attempt)
                {
                    continue;
                }

                if (!update.Started)
                {
                    timerCancel.Cancel();
                    return update.StatusAfter ?? "failed";
                }

                timeout ??= StartTimeout();
            }

            Task StartTimeout() => TaskWorkflow.WaitUntilAsync(context, context.CurrentUtcDateTime.AddSeconds(plan.TimeoutSeconds), timerCancel.Token);
        }

        private static TimeSpan BackOff(TaskPlanV1 plan, int attempt, Guid random)
        {
            var exponential = plan.RetryBaseDelaySeconds * Math.Pow(2, Math.Max(0, attempt - 1));
            var jitter = 0.8 + (0.4 * BitConverter.ToUInt16(random.ToByteArray(), 0) / ushort.MaxValue);
            return TimeSpan.FromSeconds(Math.Min(plan.RetryMaxDelaySeconds, exponential) * jitter);
        }
    }
}

/// <summary>Version 1's input: the task id only.</summary>
public sealed record TaskWorkflowInput(string TaskId);

/// <summary>Version 1's plan, the status as its lower-case name.</summary>
public sealed record TaskPlanV1(
    string Status,
    DateTimeOffset? ScheduledAt,
    int TimeoutSeconds,
    int LastAttempt,
    IReadOnlyList<string> WaitingFor,
    string? FailedDependency,
    double RetryBaseDelaySeconds,
    double RetryMaxDelaySeconds);

/// <summary>Version 1's dependency event (the same JSON as <see cref="DependencyFinished"/>; "deleted" possible).</summary>
public sealed record DependencyFinishedV1(string TaskId, string Status);
