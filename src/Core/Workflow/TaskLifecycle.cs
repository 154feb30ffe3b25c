using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Metrics;
using TaskScheduler.Core.Queues;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Telemetry;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// Every state change of a task after its creation, each an ETag-guarded transition that applies only from the
/// states it expects. Called by the orchestration's activities, the agent protocol and the sweeps alike, so a
/// rule (fencing, retry accounting, counters) lives in one place.
/// </summary>
public sealed class TaskLifecycle(
    TaskRepository tasks,
    TaskQueues queues,
    WorkerRepository workers,
    TaskLogStore logs,
    EventPublisher events,
    MetricsStore metrics,
    TimeProvider clock,
    IOptions<WorkflowOptions> options)
{
    private DateTimeOffset Now => Timestamps.Truncate(clock.GetUtcNow());

    /// <summary>
    /// Registers the task with each dependency (before reading their states, so one that ends in between is seen
    /// either here or by its notification), then reports what the orchestration must wait for.
    /// </summary>
    public async Task<TaskPlan?> PrepareAsync(string taskId, CancellationToken cancellationToken)
    {
        var stored = await tasks.GetAsync(taskId, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var task = stored.Task;
        await tasks.AddDependentAsync(taskId, task.Dependencies, cancellationToken);
        var dependencies = await Task.WhenAll(task.Dependencies.Select(id => tasks.GetAsync(id, cancellationToken)));
        string? failed = null;
        var waiting = new List<string>();
        for (var i = 0; i < dependencies.Length; i++)
        {
            var state = dependencies[i]?.Task.Status;
            if (state is null or TaskState.Failed or TaskState.Cancelled)
            {
                failed ??= $"Dependency {task.Dependencies[i]} {(state is null ? "was deleted" : state.Value.ToWire())}.";
            }
            else if (state != TaskState.Completed)
            {
                waiting.Add(task.Dependencies[i]);
            }
        }

        return new TaskPlan(
            task.Status.ToWire(),
            task.ScheduledAt,
            task.TimeoutSeconds,
            task.Attempt,
            waiting,
            failed,
            options.Value.RetryBaseDelaySeconds,
            options.Value.RetryMaxDelaySeconds);
    }

    /// <summary>
    /// <c>pending -> queued</c> for the attempt, then the message on the task's priority queue. Idempotent: a rerun
    /// after a crash finds the task already queued for this attempt and enqueues again (a duplicate message loses
    /// its claim and is deleted). Returns the task's status afterwards; anything but <c>queued</c> means "not sent".
    /// </summary>
    public async Task<string> DispatchAsync(AttemptRef attempt, CancellationToken cancellationToken)
    {
        var stored = await tasks.UpdateAsync(attempt.TaskId, task => task switch
        {
            { Status: TaskState.Pending } => task with { Status = TaskState.Queued, Attempt = attempt.Attempt, UpdatedAt = Now },
            _ => task,
        }, cancellationToken);
        if (stored is null)
        {
            return "deleted";
        }

        if (stored.Task.Status != TaskState.Queued || stored.Task.Attempt != attempt.Attempt)
        {
            return stored.Task.Status.ToWire();
        }

        using (var span = SchedulerTelemetry.StartLinked("dispatch attempt", stored.Task.TraceParent, System.Diagnostics.ActivityKind.Producer))
        {
            span?.SetTag("task.id", attempt.TaskId).SetTag("task.attempt", attempt.Attempt);
            await queues.EnqueueAsync(attempt.TaskId, attempt.Attempt, stored.Task.Priority, span?.Id ?? stored.Task.TraceParent, cancellationToken);
        }

        SchedulerTelemetry.AttemptsDispatched.Add(1);
        await logs.AppendAsync(attempt.TaskId, Line(LogLevels.Info, $"Attempt {attempt.Attempt} queued ({QueueNames.ForPriority(stored.Task.Priority)}).", attempt.Attempt), cancellationToken);
        return TaskState.Queued.ToWire();
    }

    /// <summary>
    /// An agent claims an attempt: <c>queued -> running</c> under the ETag, so of two racing claims exactly one
    /// wins. Anything else (cancelled, another attempt, already running) is a 409 that changes nothing.
    /// </summary>
    public async Task<TaskItem> ClaimAsync(string taskId, string workerId, int attempt, CancellationToken cancellationToken)
    {
        var repeated = false;
        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            repeated = false;
            // The same claim again (a retried request whose first reply was lost) is answered, not refused.
            if (task.Status == TaskState.Running && task.Attempt == attempt && task.WorkerId == workerId)
            {
                repeated = true;
                return task;
            }

            if (task.Status != TaskState.Queued || task.Attempt != attempt)
            {
                throw ApiException.Conflict($"Attempt {attempt} cannot be claimed: the task is {task.Status.ToWire()} at attempt {task.Attempt}.");
            }

            var now = Now;
            return task with { Status = TaskState.Running, WorkerId = workerId, StartedAt = now, UpdatedAt = now };
        }, cancellationToken) ?? throw ApiException.NotFound($"Task '{taskId}' was not found.");

        if (!repeated)
        {
            await Task.WhenAll(
                logs.AppendAsync(taskId, Line(LogLevels.Info, $"Attempt {attempt} started on worker {workerId}.", attempt), cancellationToken),
                workers.AddTaskAsync(workerId, taskId, cancellationToken),
                events.TaskEventAsync(EventTypes.TaskStarted, stored.Task, cancellationToken));
        }

        return stored.Task;
    }

    /// <summary>
    /// Ends a running attempt. Fenced: the task must be running this attempt (on this worker, when a worker
    /// reports), else 409 and nothing changes. Success completes the task; a failure with automatic retries left
    /// puts it back to <c>pending</c> (retry_count + 1) for the orchestration's back-off; otherwise it fails.
    /// </summary>
    public async Task<TaskItem> EndAttemptAsync(AttemptRef attempt, string? workerId, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        string? ranOn = null;
        var stored = await tasks.UpdateAsync(attempt.TaskId, task =>
        {
            if (task.Status != TaskState.Running || task.Attempt != attempt.Attempt || (workerId is not null && task.WorkerId != workerId))
            {
                throw ApiException.Conflict(
                    $"Attempt {attempt.Attempt} is not running{(workerId is null ? string.Empty : " on worker " + workerId)}: the task is {task.Status.ToWire()} at attempt {task.Attempt}.");
            }

            ranOn = task.WorkerId;
            var now = Now;
            if (outcome.Succeeded)
            {
                return task with { Status = TaskState.Completed, Result = outcome.Result, Error = null, CompletedAt = now, UpdatedAt = now };
            }

            return task.RetriesLeft > 0
                ? task with { Status = TaskState.Pending, Result = outcome.Result, Error = outcome.Error, RetryCount = task.RetryCount + 1, RetriesLeft = task.RetriesLeft - 1, UpdatedAt = now }
                : task with { Status = TaskState.Failed, Result = outcome.Result, Error = outcome.Error, CompletedAt = now, UpdatedAt = now };
        }, cancellationToken) ?? throw ApiException.NotFound($"Task '{attempt.TaskId}' was not found.");

        var task = stored.Task;
        var line = task.Status switch
        {
            TaskState.Completed => Line(LogLevels.Info, $"Attempt {attempt.Attempt} completed.", attempt.Attempt),
            TaskState.Pending => Line(LogLevels.Warn, $"Attempt {attempt.Attempt} failed: {outcome.Error} Retrying ({task.RetriesLeft} automatic retries left after this one).", attempt.Attempt),
            _ => Line(LogLevels.Error, $"Attempt {attempt.Attempt} failed: {outcome.Error} No retries left.", attempt.Attempt),
        };
        await logs.AppendAsync(task.Id, line, cancellationToken);
        await events.TaskEventAsync(EventTypeOf(task.Status), task, cancellationToken);
        SchedulerTelemetry.AttemptsEnded.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Succeeded ? "succeeded" : "failed"));
        if (task.Status.IsTerminal())
        {
            await metrics.RecordAsync(task, cancellationToken);
        }

        if (ranOn is not null)
        {
            await workers.UpdateAsync(ranOn, worker =>
            {
                if (outcome.Succeeded)
                {
                    worker.TasksCompleted++;
                }
                else
                {
                    worker.TasksFailed++;
                }

                return true;
            }, cancellationToken);
        }

        return task;
    }

    /// <summary>The orchestration's timer fired first: end the attempt as timed out (unless it ended meanwhile).</summary>
    public async Task<string> TimeOutAsync(AttemptRef attempt, CancellationToken cancellationToken)
    {
        var stored = await tasks.GetAsync(attempt.TaskId, cancellationToken);
        if (stored is null)
        {
            return "deleted";
        }

        try
        {
            return (await EndAttemptAsync(attempt, null, AttemptOutcome.TimedOut(stored.Task.TimeoutSeconds), cancellationToken)).Status.ToWire();
        }
        catch (ApiException ex) when (ex.Status == 409)
        {
            return (await tasks.GetAsync(attempt.TaskId, cancellationToken))?.Task.Status.ToWire() ?? "deleted";
        }
    }

    /// <summary><c>POST /cancel</c>: pending, queued and running become cancelled; a terminal task is a 409.</summary>
    public async Task<TaskItem> CancelAsync(string taskId, CancellationToken cancellationToken)
    {
        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            if (!task.Status.CanCancel())
            {
                throw ApiException.Conflict($"A {task.Status.ToWire()} task cannot be cancelled.");
            }

            var now = Now;
            return task with { Status = TaskState.Cancelled, Error = "Cancelled by request.", CompletedAt = now, UpdatedAt = now };
        }, cancellationToken) ?? throw ApiException.NotFound($"Task '{taskId}' was not found.");
        await logs.AppendAsync(taskId, Line(LogLevels.Warn, "Cancelled by request.", stored.Task.Attempt), cancellationToken);
        await events.TaskEventAsync(EventTypes.TaskCancelled, stored.Task, cancellationToken);
        return stored.Task;
    }

    /// <summary>
    /// <c>POST /retry</c> of a failed or cancelled task (else 409): back to pending with one attempt granted,
    /// even when <c>max_retries</c> is spent. The last checkpoint stays, so the next attempt resumes from it.
    /// </summary>
    public async Task<TaskItem> RetryAsync(string taskId, CancellationToken cancellationToken)
    {
        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            if (!task.Status.CanRetry())
            {
                throw ApiException.Conflict($"Only failed or cancelled tasks can be retried; this one is {task.Status.ToWire()}.");
            }

            return task with
            {
                Status = TaskState.Pending,
                RetryCount = task.RetryCount + 1,
                RetriesLeft = 0,
                Result = null,
                Error = null,
                StartedAt = null,
                CompletedAt = null,
                WorkerId = null,
                UpdatedAt = Now,
            };
        }, cancellationToken) ?? throw ApiException.NotFound($"Task '{taskId}' was not found.");
        await logs.AppendAsync(taskId, Line(LogLevels.Info, "Retry requested; one more attempt granted.", stored.Task.Attempt), cancellationToken);
        await events.TaskEventAsync(EventTypes.TaskRetrying, stored.Task, cancellationToken);
        return stored.Task;
    }

    /// <summary>A task that will never run (a dependency failed): <c>pending -> failed</c>.</summary>
    public async Task<string> FailUnrunAsync(FailTaskRequest request, CancellationToken cancellationToken)
    {
        var changed = false;
        var stored = await tasks.UpdateAsync(request.TaskId, task =>
        {
            changed = task.Status == TaskState.Pending;
            return changed ? task with { Status = TaskState.Failed, Error = request.Error, CompletedAt = Now, UpdatedAt = Now } : task;
        }, cancellationToken);
        if (changed && stored is not null)
        {
            await logs.AppendAsync(request.TaskId, Line(LogLevels.Error, request.Error, stored.Task.Attempt), cancellationToken);
            await events.TaskEventAsync(EventTypes.TaskFailed, stored.Task, cancellationToken);
            await metrics.RecordAsync(stored.Task, cancellationToken);
        }

        return stored?.Task.Status.ToWire() ?? "deleted";
    }

    /// <summary>
    /// <c>POST /checkpoint</c>: only while running (else 409); when the agent says which worker and attempt,
    /// they must be the current ones (fencing).
    /// </summary>
    public async Task<TaskItem> CheckpointAsync(string taskId, JsonElement checkpoint, string? workerId, int? attempt, CancellationToken cancellationToken)
    {
        if (checkpoint.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.Validation("checkpoint_data", "must be a JSON object");
        }

        var json = checkpoint.GetRawText();
        if (System.Text.Encoding.UTF8.GetByteCount(json) > TaskDefaults.CheckpointMaxBytes)
        {
            throw ApiException.Validation("checkpoint_data", $"must be at most {TaskDefaults.CheckpointMaxBytes / 1024} KiB");
        }

        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            if (!task.Status.AcceptsCheckpoint())
            {
                throw ApiException.Conflict($"Checkpoints are accepted only while the task is running; it is {task.Status.ToWire()}.");
            }

            if ((workerId is not null && task.WorkerId != workerId) || (attempt is not null && task.Attempt != attempt))
            {
                throw ApiException.Conflict($"Attempt {attempt} on worker {workerId} is not the task's current attempt.");
            }

            return task with { CheckpointData = json, UpdatedAt = Now };
        }, cancellationToken) ?? throw ApiException.NotFound($"Task '{taskId}' was not found.");
        return stored.Task;
    }

    /// <summary>
    /// Appends an agent's log lines, fenced like every attempt call: the task must be running this attempt on
    /// this worker.
    /// </summary>
    public async Task AppendLogsAsync(AttemptRef attempt, string workerId, IReadOnlyList<LogEntry> lines, CancellationToken cancellationToken)
    {
        var stored = await tasks.GetAsync(attempt.TaskId, cancellationToken) ?? throw ApiException.NotFound($"Task '{attempt.TaskId}' was not found.");
        // Lines may trail the end of the attempt (the final flush), so the status is not checked: only whose they are.
        if (stored.Task.Attempt != attempt.Attempt || stored.Task.WorkerId != workerId)
        {
            throw ApiException.Conflict($"Attempt {attempt.Attempt} on worker {workerId} is not the task's current attempt.");
        }

        await logs.AppendAsync(attempt.TaskId, lines, cancellationToken);
    }

    private LogEntry Line(string level, string message, int attempt) => new(Now, level, message, attempt);

    private static string EventTypeOf(TaskState status) => status switch
    {
        TaskState.Completed => EventTypes.TaskCompleted,
        TaskState.Pending => EventTypes.TaskRetrying,
        _ => EventTypes.TaskFailed,
    };
}
