using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Metrics;
using TaskScheduler.Core.Queues;
using TaskScheduler.Core.Storage;
using TaskScheduler.ServiceDefaults;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The one owner of a task's state. Every change of status (create, dispatch, claim, end, time-out, loss, cancel,
/// retry, re-plan) happens here and only here: it checks the move against <see cref="TaskStates"/>, writes the row
/// (with its index change and its scheduler log line) under the ETag it read, and tells the task's orchestration
/// itself when the change came from outside it. HTTP handlers, activities and sweeps call these methods; none writes
/// a status or raises an event by hand.
/// <para>Every method can be repeated after a crash at any line and reaches the same end state: a repeated claim or
/// end of the same attempt by its worker is answered (and re-raised) instead of refused; dispatching an attempt the
/// task has passed changes nothing; the orchestration's timer re-checks the row; the reconciler repairs the rest.
/// A move the state does not allow is a <see cref="TaskConflictException"/> that changed nothing.</para>
/// </summary>
public sealed class TaskLifecycle(
    TaskService taskService,
    TaskRepository tasks,
    TaskQueues queues,
    WorkerRepository workers,
    TaskLogStore logs,
    EventPublisher events,
    TaskCounters counters,
    TaskWorkflowClient workflows,
    TimeProvider clock,
    IOptions<WorkflowOptions> options)
{
    /// <summary>A queued attempt is re-checked (and its message sent again, in case it was lost) this often.</summary>
    private static readonly TimeSpan QueuedRecheck = TimeSpan.FromMinutes(5);

    private DateTimeOffset Now => Timestamps.Truncate(clock.GetUtcNow());

    /// <summary>
    /// <c>POST /tasks</c>. A task with no schedule ahead and no dependencies is created <c>queued</c> for attempt 1
    /// and its message sent by this call (no orchestration step stands between a submit and an agent); any other
    /// is created <c>pending</c> and its orchestration plans it. Order: dependency edges, row and index, the
    /// orchestration, the queue message. A crash between any two is repaired by the reconciler (an unfinished task
    /// with no orchestration gets one; a queued task waiting too long is sent again) and by the orchestration's own
    /// timer.
    /// </summary>
    /// <param name="id">The id an idempotent create reserved with its key (null: a new one). If a task with it exists,
    /// an earlier request with that key created it and died before answering: that task is returned, unchanged (the
    /// reconciler finishes whatever the dead request left undone).</param>
    public async Task<TaskItem> CreateAsync(NewTaskRequest request, DurableTaskClient client, CancellationToken cancellationToken, string? id = null)
    {
        await taskService.RequireExistingAsync(request.Dependencies, cancellationToken);
        var now = Now;
        var runNow = request.Dependencies.Count == 0 && (request.ScheduledAt is null || request.ScheduledAt <= now);
        var task = new TaskItem
        {
            Id = id ?? TaskIds.New(),
            Name = request.Name,
            Description = request.Description,
            Command = request.Command,
            Priority = request.Priority,
            MaxRetries = request.MaxRetries,
            RetriesLeft = request.MaxRetries,
            ScheduledAt = request.ScheduledAt,
            TimeoutSeconds = request.TimeoutSeconds,
            Tags = request.Tags,
            Dependencies = request.Dependencies,
            CheckpointEnabled = request.CheckpointEnabled,
            ScheduleId = request.ScheduleId,
            CreatedAt = now,
            UpdatedAt = now,
            TraceParent = SchedulerTelemetry.CurrentTraceParent,
        };
        if (runNow)
        {
            task = Queue(task, 1);
        }

        // The edges first: from the moment the task exists, its dependencies know it waits for them.
        await tasks.AddDependentAsync(task.Id, task.Dependencies, cancellationToken);
        TaskItem created;
        try
        {
            created = (await tasks.InsertAsync(task, cancellationToken)).Item;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409 && id is not null)
        {
            return (await tasks.GetAsync(id, CancellationToken.None) ?? throw new TaskConflictException($"Task {id} exists and vanished.")).Item;
        }

        await workflows.StartNewAsync(client, created, runNow ? 1 : 0, CancellationToken.None);
        if (runNow)
        {
            await EnqueueAsync(created, CancellationToken.None);
        }

        await events.TaskEventAsync(EventTypes.TaskCreated, created, CancellationToken.None);
        SchedulerTelemetry.TasksCreated.Add(1);
        return created;
    }

    /// <summary>
    /// <c>PUT /tasks/{id}</c>. A change of a scheduling field reaches the waiting orchestration, which plans again
    /// (new schedule, new dependency set, new timeout and retry budget).
    /// </summary>
    public async Task<TaskItem> UpdateAsync(string id, TaskUpdateRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var updated = await taskService.UpdateAsync(id, request, cancellationToken);
        if (request.ChangesScheduling && updated.Status == TaskState.Pending)
        {
            await workflows.ReplanAsync(client, updated, CancellationToken.None);
        }

        return updated;
    }

    /// <summary>
    /// The orchestration's plan of a task not yet dispatched: registers the task with each dependency (before
    /// reading their states, so one that ends in between is seen either here or by its notification), then reports
    /// what to wait for. Null: the task is gone.
    /// </summary>
    public async Task<TaskPlan?> PlanAsync(string taskId, CancellationToken cancellationToken)
    {
        var stored = await tasks.GetAsync(taskId, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var task = stored.Item;
        await tasks.AddDependentAsync(taskId, task.Dependencies, cancellationToken);
        var dependencies = await Task.WhenAll(task.Dependencies.Select(id => tasks.GetAsync(id, cancellationToken)));
        string? failed = null;
        var waiting = new List<string>();
        for (var i = 0; i < dependencies.Length; i++)
        {
            var state = dependencies[i]?.Item.Status;
            if (state is null or TaskState.Failed or TaskState.Cancelled)
            {
                failed ??= $"Dependency {task.Dependencies[i]} {(state is null ? "was deleted" : state.Value.ToWire())}.";
            }
            else if (state != TaskState.Completed)
            {
                waiting.Add(task.Dependencies[i]);
            }
        }

        return new TaskPlan(task.Status, task.Attempt, task.ScheduledAt, task.TimeoutSeconds, waiting, failed);
    }

    /// <summary>
    /// <c>pending -> queued</c> for the attempt, then its message on the task's priority queue. Idempotent: a rerun
    /// finds the task queued for this attempt and sends the message again (a duplicate loses its claim); a task
    /// already past this attempt is reported as it is, untouched. While the previous attempt's worker still reports
    /// that attempt as alive (a cancel or time-out it has not yet carried out), nothing is sent: try again shortly.
    /// </summary>
    public async Task<DispatchResult> DispatchAsync(AttemptRef attempt, CancellationToken cancellationToken)
    {
        var current = await tasks.GetAsync(attempt.TaskId, cancellationToken);
        if (current is null)
        {
            return DispatchResult.Passed(TaskChange.Gone(attempt.Attempt));
        }

        var task = current.Item;
        if (task.Status == TaskState.Pending && task.Attempt < attempt.Attempt)
        {
            if (await PreviousAttemptMayRunAsync(task, cancellationToken))
            {
                return DispatchResult.Wait(Now.AddSeconds(Math.Max(1, options.Value.HeartbeatIntervalSeconds / 2.0)));
            }

            var queued = await tasks.UpdateAsync(attempt.TaskId, latest =>
                latest.Status == TaskState.Pending && latest.Attempt < attempt.Attempt ? Queue(latest, attempt.Attempt) : latest, cancellationToken);
            if (queued is null)
            {
                return DispatchResult.Passed(TaskChange.Gone(attempt.Attempt));
            }

            task = queued.Item;
        }

        if (task.Attempt == attempt.Attempt && task.Status is TaskState.Queued or TaskState.Running)
        {
            if (task.Status == TaskState.Queued)
            {
                await EnqueueAsync(task, cancellationToken);
            }

            return DispatchResult.Sent(task.TimeoutSeconds);
        }

        return DispatchResult.Passed(await ChangeOfAsync(task, cancellationToken));
    }

    /// <summary>
    /// The attempt's timer fired. Queued for <c>QueuedRecheck</c> already: send the message again (it may have been
    /// lost) and check later; queued for less: check when it will have been. Running:
    /// past <c>started_at + timeout_seconds</c> (and the agent's grace to report it), end it as timed out; else
    /// check at that time. Ended already: say how.
    /// </summary>
    public async Task<AttemptCheck> CheckAttemptAsync(AttemptRef attempt, CancellationToken cancellationToken)
    {
        var current = await tasks.GetAsync(attempt.TaskId, cancellationToken);
        if (current is null)
        {
            return AttemptCheck.Over(TaskChange.Gone(attempt.Attempt));
        }

        var task = current.Item;
        if (task.Attempt == attempt.Attempt && task.Status == TaskState.Queued)
        {
            // An early check finds most queued tasks merely waiting for a free agent: the message is sent again only
            // once the attempt has waited QueuedRecheck (UpdatedAt is when it was queued), never faster.
            var resendAt = task.UpdatedAt + QueuedRecheck;
            if (Now < resendAt)
            {
                return AttemptCheck.Later(resendAt);
            }

            await EnqueueAsync(task, cancellationToken);
            return AttemptCheck.Later(Now + QueuedRecheck);
        }

        if (task.Attempt == attempt.Attempt && task.Status == TaskState.Running)
        {
            var deadline = TimeoutDeadline(task);
            if (Now < deadline)
            {
                return AttemptCheck.Later(deadline);
            }

            return AttemptCheck.Over(await TimeOutRunningAsync(attempt, task.TimeoutSeconds, cancellationToken));
        }

        return AttemptCheck.Over(await ChangeOfAsync(task, cancellationToken));
    }

    /// <summary>Version 1's timer: end the attempt as timed out now, unless it ended meanwhile.</summary>
    public async Task<TaskChange> TimeOutAsync(AttemptRef attempt, CancellationToken cancellationToken)
    {
        var current = await tasks.GetAsync(attempt.TaskId, cancellationToken);
        if (current is null)
        {
            return TaskChange.Gone(attempt.Attempt);
        }

        return await TimeOutRunningAsync(attempt, current.Item.TimeoutSeconds, cancellationToken);
    }

    /// <summary>Ends the running attempt as timed out; when it ended by itself meanwhile, says how.</summary>
    private async Task<TaskChange> TimeOutRunningAsync(AttemptRef attempt, int timeoutSeconds, CancellationToken cancellationToken)
    {
        try
        {
            return (await EndAsync(attempt, null, AttemptOutcome.TimedOut(timeoutSeconds), cancellationToken)).Change;
        }
        catch (TaskConflictException)
        {
            var latest = await tasks.GetAsync(attempt.TaskId, cancellationToken);
            return latest is null ? TaskChange.Gone(attempt.Attempt) : await ChangeOfAsync(latest.Item, cancellationToken);
        }
    }

    /// <summary>
    /// For the reconciler: tells a running orchestration again where its task stands (the first telling was lost
    /// to a crash between a write and its raise): a finished task's end, a pending task's plan (an edit's re-plan);
    /// and sends a queued attempt's message again (lost between the orchestration's start and the message). All
    /// harmless when nothing was lost.
    /// </summary>
    public async Task RemindAsync(TaskItem task, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (task.Status == TaskState.Queued)
        {
            await DispatchAsync(new AttemptRef(task.Id, task.Attempt), cancellationToken);
        }
        else if (task.Status == TaskState.Pending)
        {
            // An edit's raise may have been lost: planning again reads the schedule and dependencies as they are.
            await workflows.ReplanAsync(client, task, cancellationToken);
        }
        else if (task.Status != TaskState.Running)
        {
            await workflows.ChangedAsync(client, task, await ChangeOfAsync(task, cancellationToken), cancellationToken);
        }
    }

    /// <summary>When the scheduler's own timer ends a running attempt that nobody reported.</summary>
    public DateTimeOffset TimeoutDeadline(TaskItem task) =>
        (task.StartedAt ?? task.UpdatedAt).AddSeconds(task.TimeoutSeconds + options.Value.TimeoutGraceSeconds);

    /// <summary>A task that will never run (a dependency failed): <c>pending -> failed</c>.</summary>
    public async Task<TaskChange> FailUnrunAsync(FailTaskRequest request, CancellationToken cancellationToken)
    {
        var changed = false;
        var stored = await tasks.UpdateAsync(request.TaskId, task =>
        {
            changed = task.Status == TaskState.Pending;
            if (!changed)
            {
                return task;
            }

            var now = Now;
            return Log(task with { Status = TaskState.Failed, Error = request.Error, CompletedAt = now, UpdatedAt = now }, LogLevels.Error, request.Error);
        }, cancellationToken);
        if (stored is null)
        {
            return TaskChange.Gone(0);
        }

        if (changed)
        {
            await events.TaskEventAsync(EventTypes.TaskFailed, stored.Item, cancellationToken);
            counters.TaskFinished(stored.Item);
        }

        return await ChangeOfAsync(stored.Item, cancellationToken);
    }

    /// <summary>Tells every task that waits for this one that it ended.</summary>
    public async Task<int> NotifyDependentsAsync(DependencyFinished finished, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var dependents = await tasks.GetDependentsAsync(finished.TaskId, cancellationToken);
        await Task.WhenAll(dependents.Select(dependent => workflows.DependencyFinishedAsync(client, dependent, finished, cancellationToken)));
        return dependents.Count;
    }

    /// <summary>
    /// An agent claims an attempt: <c>queued -> running</c> under the ETag, so of two racing claims exactly one
    /// wins. The same claim again (a retried request whose reply was lost) is answered; anything else (cancelled,
    /// another attempt, claimed by another worker) is a conflict that changes nothing.
    /// </summary>
    public async Task<TaskItem> ClaimAsync(string taskId, string workerId, int attempt, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var repeated = false;
        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            repeated = task.Status == TaskState.Running && task.Attempt == attempt && task.WorkerId == workerId;
            if (repeated)
            {
                return task;
            }

            if (task.Status != TaskState.Queued || task.Attempt != attempt || !TaskStates.CanMove(task.Status, TaskState.Running))
            {
                throw new TaskConflictException($"Attempt {attempt} cannot be claimed: the task is {task.Status.ToWire()} at attempt {task.Attempt}.");
            }

            var now = Now;
            return Log(task with { Status = TaskState.Running, WorkerId = workerId, StartedAt = now, UpdatedAt = now }, LogLevels.Info, $"Attempt {attempt} started on worker {workerId}.");
        }, cancellationToken) ?? throw new TaskNotFoundException(taskId);

        if (!repeated)
        {
            await Task.WhenAll(
                workers.AddTaskAsync(workerId, taskId, cancellationToken),
                events.TaskEventAsync(EventTypes.TaskStarted, stored.Item, cancellationToken));
        }

        await workflows.StartedAsync(client, stored.Item, CancellationToken.None);
        return stored.Item;
    }

    /// <summary>
    /// Ends a running attempt as its agent reports it, or as a sweep decides (a lost worker). Fenced: the task must
    /// be running this attempt (on this worker, when one is named). The same end again by the same worker (its first
    /// reply was lost) is answered with the state it led to, and the orchestration told again.
    /// </summary>
    public async Task<TaskItem> EndAttemptAsync(AttemptRef attempt, string? workerId, AttemptOutcome outcome, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (change, task) = await EndAsync(attempt, workerId, outcome, cancellationToken);
        await workflows.ChangedAsync(client, task, change, CancellationToken.None);
        return task;
    }

    /// <summary>
    /// <c>POST /cancel</c>: pending, queued and running become cancelled (the agent is told to stop a running
    /// command at its next heartbeat); a terminal task is a conflict. Cancelling a cancelled task again tells its
    /// orchestration again (in case the first telling was lost) before answering the conflict.
    /// </summary>
    public async Task<TaskItem> CancelAsync(string taskId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var cancelledNow = false;
        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            cancelledNow = task.Status.CanCancel() && TaskStates.CanMove(task.Status, TaskState.Cancelled);
            if (!cancelledNow)
            {
                return task;
            }

            var now = Now;
            return Log(task with { Status = TaskState.Cancelled, Error = "Cancelled by request.", CompletedAt = now, UpdatedAt = now, EndReportedByWorker = false }, LogLevels.Warn, "Cancelled by request.");
        }, cancellationToken) ?? throw new TaskNotFoundException(taskId);

        var task = stored.Item;
        if (task.Status == TaskState.Cancelled)
        {
            await workflows.ChangedAsync(client, task, await ChangeOfAsync(task, cancellationToken), CancellationToken.None);
        }

        if (!cancelledNow)
        {
            throw new TaskConflictException($"A {task.Status.ToWire()} task cannot be cancelled.");
        }

        await events.TaskEventAsync(EventTypes.TaskCancelled, task, CancellationToken.None);
        return task;
    }

    /// <summary>
    /// <c>POST /retry</c> of a failed or cancelled task (else a conflict): back to pending with one attempt granted,
    /// even when <c>max_retries</c> is spent, and a new run of the current orchestration version. The last checkpoint
    /// stays, so the next attempt resumes from it.
    /// </summary>
    public async Task<TaskItem> RetryAsync(string taskId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            if (!task.Status.CanRetry())
            {
                throw new TaskConflictException($"Only failed or cancelled tasks can be retried; this one is {task.Status.ToWire()}.");
            }

            return Log(task with
            {
                Status = TaskState.Pending,
                RetryCount = task.RetryCount + 1,
                RetriesLeft = 0,
                Result = null,
                Error = null,
                StartedAt = null,
                CompletedAt = null,
                UpdatedAt = Now,
                WorkflowVersion = TaskWorkflowVersions.Current,
            }, LogLevels.Info, "Retry requested; one more attempt granted.");
        }, cancellationToken) ?? throw new TaskNotFoundException(taskId);
        await workflows.RestartAsync(client, stored.Item, CancellationToken.None);
        await events.TaskEventAsync(EventTypes.TaskRetrying, stored.Item, CancellationToken.None);
        return stored.Item;
    }

    /// <summary>
    /// <c>POST /checkpoint</c>: only while running (else a conflict); when the agent says which worker and attempt,
    /// they must be the current ones (fencing).
    /// </summary>
    public async Task<TaskItem> CheckpointAsync(string taskId, JsonElement checkpoint, string? workerId, int? attempt, CancellationToken cancellationToken)
    {
        if (checkpoint.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.Validation("checkpoint_data", "must be a JSON object");
        }

        var json = checkpoint.GetRawText();
        if (System.Text.Encoding.UTF8.GetByteCount(json) > TaskLimits.CheckpointMaxBytes)
        {
            throw ApiException.Validation("checkpoint_data", $"must be at most {TaskLimits.CheckpointMaxBytes / 1024} KiB");
        }

        var stored = await tasks.UpdateAsync(taskId, task =>
        {
            if (!task.Status.AcceptsCheckpoint())
            {
                throw new TaskConflictException($"Checkpoints are accepted only while the task is running; it is {task.Status.ToWire()}.");
            }

            if ((workerId is not null && task.WorkerId != workerId) || (attempt is not null && task.Attempt != attempt))
            {
                throw new TaskConflictException($"Attempt {attempt} on worker {workerId} is not the task's current attempt.");
            }

            return task with { CheckpointData = json, UpdatedAt = Now };
        }, cancellationToken) ?? throw new TaskNotFoundException(taskId);
        return stored.Item;
    }

    /// <summary>
    /// Appends an agent's log lines, fenced like every attempt call: the task must be at this attempt on this worker.
    /// Lines may trail the end of the attempt (the final flush), so the status is not checked.
    /// </summary>
    public async Task AppendLogsAsync(AttemptRef attempt, string workerId, IReadOnlyList<LogEntry> lines, CancellationToken cancellationToken)
    {
        var stored = await tasks.GetAsync(attempt.TaskId, cancellationToken) ?? throw new TaskNotFoundException(attempt.TaskId);
        if (stored.Item.Attempt != attempt.Attempt || stored.Item.WorkerId != workerId)
        {
            throw new TaskConflictException($"Attempt {attempt.Attempt} on worker {workerId} is not the task's current attempt.");
        }

        await logs.AppendAsync(attempt.TaskId, lines, cancellationToken);
    }

    /// <summary>
    /// The write of an attempt's end, shared by the agent's report, the scheduler's timeout and the lost-worker
    /// sweep. Success completes the task; a failure with automatic retries left puts it back to pending
    /// (retry_count + 1) with the back-off's due time; otherwise it fails.
    /// </summary>
    private async Task<(TaskChange Change, TaskItem Task)> EndAsync(AttemptRef attempt, string? workerId, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        var repeated = false;
        string? ranOn = null;
        var stored = await tasks.UpdateAsync(attempt.TaskId, task =>
        {
            ranOn = null;
            // The same report again (its first reply was lost) finds the state it led to; any other end (a cancel,
            // a time-out) makes a late report a conflict.
            repeated = task.Attempt == attempt.Attempt && workerId is not null && task.WorkerId == workerId
                && (outcome.Succeeded
                    ? task.Status == TaskState.Completed && task.Result == outcome.Result
                    : task.Status is TaskState.Pending or TaskState.Failed && task.Error == outcome.Error && task.Result == outcome.Result);
            if (repeated)
            {
                return task;
            }

            if (task.Status != TaskState.Running || task.Attempt != attempt.Attempt || (workerId is not null && task.WorkerId != workerId))
            {
                throw new TaskConflictException(
                    $"Attempt {attempt.Attempt} is not running{(workerId is null ? string.Empty : " on worker " + workerId)}: the task is {task.Status.ToWire()} at attempt {task.Attempt}.");
            }

            ranOn = task.WorkerId;
            var now = Now;
            task = task with { EndReportedByWorker = workerId is not null };
            if (outcome.Succeeded)
            {
                return Log(task with { Status = TaskState.Completed, Result = outcome.Result, Error = null, CompletedAt = now, UpdatedAt = now }, LogLevels.Info, $"Attempt {attempt.Attempt} completed.");
            }

            return task.RetriesLeft > 0
                ? Log(
                    task with { Status = TaskState.Pending, Result = outcome.Result, Error = outcome.Error, RetryCount = task.RetryCount + 1, RetriesLeft = task.RetriesLeft - 1, UpdatedAt = now },
                    LogLevels.Warn,
                    $"Attempt {attempt.Attempt} failed: {outcome.Error} Retrying ({task.RetriesLeft - 1} automatic retries left after this one).")
                : Log(task with { Status = TaskState.Failed, Result = outcome.Result, Error = outcome.Error, CompletedAt = now, UpdatedAt = now }, LogLevels.Error, $"Attempt {attempt.Attempt} failed: {outcome.Error} No retries left.");
        }, cancellationToken) ?? throw new TaskNotFoundException(attempt.TaskId);

        var task = stored.Item;
        if (!repeated)
        {
            await events.TaskEventAsync(EventTypeOf(task.Status), task, cancellationToken);
            SchedulerTelemetry.AttemptsEnded.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Succeeded ? "succeeded" : "failed"));
            if (task.Status.IsTerminal())
            {
                counters.TaskFinished(task);
            }

            if (ranOn is not null)
            {
                counters.AttemptEnded(ranOn, outcome.Succeeded);
            }
        }

        return (await ChangeOfAsync(task, cancellationToken), task);
    }

    /// <summary>Where a task stands, as its orchestration needs it after the task's last transition.</summary>
    private async Task<TaskChange> ChangeOfAsync(TaskItem task, CancellationToken cancellationToken)
    {
        var hasDependents = task.Status.IsTerminal() && task.MayHaveDependents && (await tasks.GetDependentsAsync(task.Id, cancellationToken)).Count > 0;
        DateTimeOffset? retryAt = task.Status == TaskState.Pending ? task.UpdatedAt + BackOff(task.Attempt) : null;
        return new TaskChange(task.Status, task.Attempt, hasDependents, retryAt);
    }

    /// <summary>Exponential back-off with ±20 % jitter: base x 2^(attempt-1), capped.</summary>
    private TimeSpan BackOff(int attempt)
    {
        var settings = options.Value;
        var exponential = settings.RetryBaseDelaySeconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var jitter = 0.8 + (0.4 * Random.Shared.NextDouble());
        return TimeSpan.FromSeconds(Math.Min(settings.RetryMaxDelaySeconds, exponential) * jitter);
    }

    /// <summary>
    /// True while the worker that ran the task's previous attempt is alive and still reports that attempt's command
    /// (a cancel or time-out it has not carried out yet). Its lease is shorter than the offline threshold, so once the
    /// worker is offline its commands are gone.
    /// </summary>
    private async Task<bool> PreviousAttemptMayRunAsync(TaskItem task, CancellationToken cancellationToken)
    {
        if (task.WorkerId is null || task.Attempt == 0 || task.EndReportedByWorker)
        {
            return false;
        }

        // Until a heartbeat received after the attempt's end leaves it out, the worker may still run it (a claim
        // made after the worker's last heartbeat is not in its list yet).
        var worker = await workers.GetAsync(task.WorkerId, cancellationToken);
        return worker is not null
            && worker.Status != WorkerStatus.Offline
            && worker.LastHeartbeat > clock.GetUtcNow().AddSeconds(-options.Value.WorkerOfflineAfterSeconds)
            && (worker.LastHeartbeat <= task.UpdatedAt || WorkerResource.CurrentTaskIdsOf(worker).Contains(task.Id));
    }

    private TaskItem Queue(TaskItem task, int attempt) =>
        Log(task with { Status = TaskState.Queued, Attempt = attempt, UpdatedAt = Now }, LogLevels.Info, $"Attempt {attempt} queued ({QueueNames.ForPriority(task.Priority)}).", attempt);

    private async Task EnqueueAsync(TaskItem task, CancellationToken cancellationToken)
    {
        using (var span = SchedulerTelemetry.StartLinked("dispatch attempt", task.TraceParent, ActivityKind.Producer))
        {
            span?.SetTag("task.id", task.Id).SetTag("task.attempt", task.Attempt);
            await queues.EnqueueAsync(task.Id, task.Attempt, task.Priority, span?.Id ?? task.TraceParent, cancellationToken);
        }

        SchedulerTelemetry.AttemptsDispatched.Add(1);
    }

    /// <summary>Adds a scheduler log line to the row being written (the newest lines are kept).</summary>
    private TaskItem Log(TaskItem task, string level, string message, int? attempt = null)
    {
        if (message.Length > TaskLimits.SchedulerLogLineMaxLength)
        {
            message = message[..(TaskLimits.SchedulerLogLineMaxLength - 3)] + "...";
        }

        var line = new LogEntry(Now, level, message, attempt ?? task.Attempt);
        var lines = task.SchedulerLog.Count < TaskLimits.SchedulerLogLines
            ? [.. task.SchedulerLog, line]
            : task.SchedulerLog.Skip(task.SchedulerLog.Count - TaskLimits.SchedulerLogLines + 1).Append(line).ToArray();
        return task with { SchedulerLog = lines };
    }

    private static string EventTypeOf(TaskState status) => status switch
    {
        TaskState.Completed => EventTypes.TaskCompleted,
        TaskState.Pending => EventTypes.TaskRetrying,
        _ => EventTypes.TaskFailed,
    };
}
