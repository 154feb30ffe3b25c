using System.Globalization;
using System.Text.Json;
using Azure;
using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Core.Schedules;

/// <summary>What a firing step leaves the schedule's orchestration to do: end (the schedule is gone), or sleep until <see cref="NextFireAt"/> (null: until a change).</summary>
public sealed record ScheduleStep(bool Exists, DateTimeOffset? NextFireAt);

/// <summary>The input of a schedule's orchestration: which schedule, and the fire time its timer waited for (the step's clock is never earlier).</summary>
public sealed record ScheduleRun(string ScheduleId, DateTimeOffset? DueBy = null);

/// <summary>
/// Recurring schedules: the REST operations, and the firing step the schedule's orchestration runs. A firing makes
/// its task through <see cref="TaskLifecycle.CreateAsync"/> with an id derived from the schedule and the fire time,
/// so a firing repeated after a crash finds its task instead of making a second; the schedule's cursor (every fire
/// time up to it dealt with) moves under the row's ETag after the tasks exist.
/// <para>Every change (PUT, pause, resume, delete) is written first and then told to the orchestration, which plans
/// again from the row; if the orchestration is missing (a crash between the create's insert and its start), the
/// telling starts it, and the repair sweep (<see cref="RepairAsync"/>) does the same for an overdue schedule nobody
/// touches.</para>
/// </summary>
public sealed partial class ScheduleService(
    ScheduleRepository repository,
    TaskRepository tasks,
    TaskLifecycle lifecycle,
    EventPublisher events,
    TimeProvider clock,
    ILogger<ScheduleService> logger)
{
    private const int MaxUpdateAttempts = 10;

    /// <summary>A schedule whose next fire time passed this long ago without a firing has lost its orchestration.</summary>
    public static readonly TimeSpan OverdueAfter = TimeSpan.FromMinutes(2);

    private static readonly string[] ListParameters = ["page", "limit"];

    public DateTimeOffset Now => Timestamps.Truncate(clock.GetUtcNow());

    /// <summary>A validated <c>POST /schedules</c> body, with a new id (an idempotent create replaces it with the one its key reserved).</summary>
    public ScheduleItem ParseCreate(JsonElement body) => ScheduleRequestParser.ParseCreate(body, ScheduleIds.New(), Now);

    /// <summary>
    /// Stores a parsed schedule and starts its orchestration. With <paramref name="reservedId"/> (the id an
    /// <c>Idempotency-Key</c> reserved), a schedule already stored under it is the one a crashed request made: it is
    /// returned instead of a conflict.
    /// </summary>
    public async Task<ScheduleItem> CreateAsync(ScheduleItem draft, DurableTaskClient client, CancellationToken cancellationToken, bool reservedId = false)
    {
        // Fire times before the schedule existed are not missed firings: its cursor starts now.
        var schedule = Planned(draft with { Cursor = draft.CreatedAt });
        try
        {
            await repository.InsertAsync(schedule, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && reservedId)
        {
            return (await repository.GetAsync(schedule.Id, CancellationToken.None))?.Schedule ?? throw ScheduleNotFound(schedule.Id);
        }

        await SignalAsync(client, schedule.Id, CancellationToken.None);
        return schedule;
    }

    public async Task<ScheduleItem> GetAsync(string id, CancellationToken cancellationToken) =>
        (await FindAsync(id, cancellationToken))?.Schedule ?? throw ScheduleNotFound(id);

    /// <summary>Every schedule, newest first, paged like every list.</summary>
    public async Task<(IReadOnlyList<ScheduleItem> Items, PageMeta Meta)> ListAsync(
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.From(QueryParameters.Parse(query, ListParameters));
        var all = await repository.ListAsync(cancellationToken);
        var items = all.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).Skip(page.Skip).Take(page.Limit).ToList();
        return (items, page.Meta(all.Count));
    }

    /// <summary><c>PUT /schedules/{id}</c>: the fields the body names change, and the schedule plans its next firing again.</summary>
    public Task<ScheduleItem> UpdateAsync(string id, JsonElement body, DurableTaskClient client, CancellationToken cancellationToken) =>
        ChangeAsync(id, existing =>
        {
            var updated = ScheduleRequestParser.ParseUpdate(body, existing, Now);
            return existing.Paused && !updated.Paused ? updated with { Cursor = updated.UpdatedAt } : updated;
        }, client, cancellationToken);

    /// <summary>Pausing a paused schedule changes nothing; so does resuming an active one.</summary>
    public Task<ScheduleItem> PauseAsync(string id, DurableTaskClient client, CancellationToken cancellationToken) =>
        ChangeAsync(id, existing => existing.Paused ? existing : existing with { Paused = true, UpdatedAt = Now }, client, cancellationToken);

    /// <summary>Fire times passed while paused are not caught up: the cursor moves to the resume.</summary>
    public Task<ScheduleItem> ResumeAsync(string id, DurableTaskClient client, CancellationToken cancellationToken) =>
        ChangeAsync(id, existing => existing.Paused ? existing with { Paused = false, Cursor = Now, UpdatedAt = Now } : existing, client, cancellationToken);

    /// <summary>Deletes the schedule (its tasks stay, and keep their <c>schedule_id</c>); its orchestration ends at its next step.</summary>
    public async Task DeleteAsync(string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (!ScheduleIds.IsValid(id) || !await repository.DeleteAsync(id, cancellationToken))
        {
            throw ScheduleNotFound(id);
        }

        await SignalAsync(client, id, CancellationToken.None);
        await repository.DeleteRunsAsync(id, CancellationToken.None);
    }

    /// <summary>
    /// <c>POST /schedules/{id}/trigger</c>: one task now, outside the schedule's times (paused or not, whatever its
    /// overlap policy: the caller asked for this run). Its id is derived from the schedule and the instant.
    /// </summary>
    public async Task<TaskItem> TriggerAsync(string id, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var stored = await FindAsync(id, cancellationToken) ?? throw ScheduleNotFound(id);
        var now = Now;
        var task = await MakeTaskAsync(stored.Schedule, now, ScheduleIds.TaskId(id, now, manual: true), client);
        await RecordAsync(id, s => s.LastFireAt is { } last && last > now ? s : s with { LastFireAt = now, LastTaskId = task.Id }, cancellationToken);
        return task;
    }

    /// <summary>The tasks a schedule made, newest first (a deleted task is left out).</summary>
    public async Task<(IReadOnlyList<TaskItem> Items, PageMeta Meta)> RunsAsync(
        string id,
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.From(QueryParameters.Parse(query, ListParameters));
        _ = await FindAsync(id, cancellationToken) ?? throw ScheduleNotFound(id);
        var ids = await repository.GetRunTaskIdsAsync(id, cancellationToken);
        var found = await Task.WhenAll(ids.Skip(page.Skip).Take(page.Limit).Select(taskId => tasks.GetAsync(taskId, cancellationToken)));
        return (found.Where(t => t is not null).Select(t => t!.Item).ToList(), page.Meta(ids.Count));
    }

    /// <summary>
    /// The firing step: makes the tasks of the fire times that are due (by the catch-up policy; each checked against
    /// the overlap policy), moves the cursor past them, and says when to come back. Repeatable: a repeated step finds
    /// the tasks it already made.
    /// </summary>
    public async Task<ScheduleStep> FireDueAsync(ScheduleRun run, DurableTaskClient client, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await FindAsync(run.ScheduleId, cancellationToken);
            if (stored is null)
            {
                return new ScheduleStep(false, null);
            }

            var schedule = stored.Schedule;
            var now = run.DueBy is { } dueBy && dueBy > Now ? Timestamps.Truncate(dueBy) : Now;
            var (fire, cursor, more) = schedule.Paused ? ([], schedule.Cursor, false) : Due(schedule, now);
            var lastTaskId = schedule.LastTaskId;
            var lastFireAt = schedule.LastFireAt;
            foreach (var at in fire)
            {
                if (await FireAsync(schedule, at, lastTaskId, client) is { } made)
                {
                    (lastTaskId, lastFireAt) = (made, at);
                }
            }

            var next = schedule with { Cursor = cursor, LastTaskId = lastTaskId, LastFireAt = lastFireAt };
            next = more ? next with { NextFireAt = now } : Planned(next);
            if (next == schedule)
            {
                return new ScheduleStep(true, next.NextFireAt);
            }

            try
            {
                await repository.ReplaceAsync(next, stored.ETag, CancellationToken.None);
                return new ScheduleStep(true, next.NextFireAt);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < MaxUpdateAttempts)
            {
                // Changed (or deleted) while firing: decide again on the new row; the tasks made are found again.
            }
        }
    }

    /// <summary>
    /// The repair sweep: a schedule whose next fire time is overdue by <see cref="OverdueAfter"/> is told again,
    /// which starts its orchestration if it has none. Returns how many were told.
    /// </summary>
    public async Task<int> RepairAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var overdue = (await repository.ListAsync(cancellationToken))
            .Where(s => !s.Paused && s.NextFireAt is { } next && next < Now - OverdueAfter)
            .ToList();
        foreach (var schedule in overdue)
        {
            LogOverdue(logger, schedule.Id, schedule.NextFireAt!.Value);
            await SignalAsync(client, schedule.Id, cancellationToken);
        }

        return overdue.Count;
    }

    /// <summary>
    /// Which fire times in (cursor, now] fire now, by the catch-up policy; where the cursor moves; and whether more
    /// are due than one step makes. A fire time reached within <see cref="ScheduleDefaults.OnTimeTolerance"/> is on
    /// time, not missed; missed ones older than the catch-up window never fire.
    /// </summary>
    internal static (IReadOnlyList<DateTimeOffset> Fire, DateTimeOffset? Cursor, bool More) Due(ScheduleItem schedule, DateTimeOffset now)
    {
        var recurrence = ScheduleRecurrence.For(schedule);
        var cursor = schedule.Cursor ?? schedule.CreatedAt;
        var onTime = now - ScheduleDefaults.OnTimeTolerance;
        var window = schedule.CatchupPolicy == CatchupPolicy.None ? onTime : Min(onTime, now - TimeSpan.FromSeconds(schedule.CatchupWindowSeconds));

        // Fire times before the window can never fire: start looking at its beginning.
        var after = cursor < window ? window.AddTicks(-1) : cursor;
        var due = new List<DateTimeOffset>();
        for (var at = recurrence.NextAfter(after); at is { } t && t <= now; at = recurrence.NextAfter(t))
        {
            due.Add(t);
            if (schedule.CatchupPolicy == CatchupPolicy.All && due.Count == ScheduleDefaults.MaxFiringsPerStep + 1)
            {
                // More than one step makes: fire these, and come back at once for the rest.
                due.RemoveAt(due.Count - 1);
                return (due, due[^1], true);
            }

            if (schedule.CatchupPolicy != CatchupPolicy.All && due.Count > 1)
            {
                due.RemoveAt(0);
            }
        }

        if (due.Count == 0)
        {
            return ([], cursor < window ? window : cursor, false);
        }

        return (due, due[^1], false);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The schedule with its next fire time after its cursor (null when paused or ended).</summary>
    private static ScheduleItem Planned(ScheduleItem schedule) => schedule with
    {
        NextFireAt = schedule.Paused ? null : ScheduleRecurrence.For(schedule).NextAfter(schedule.Cursor ?? schedule.CreatedAt),
    };

    /// <summary>One fire time: its task, unless the overlap policy skips it; null when skipped.</summary>
    private async Task<string?> FireAsync(ScheduleItem schedule, DateTimeOffset at, string? lastTaskId, DurableTaskClient client)
    {
        var taskId = ScheduleIds.TaskId(schedule.Id, at, manual: false);
        if (await tasks.GetAsync(taskId, CancellationToken.None) is not null)
        {
            return taskId;
        }

        if (lastTaskId is not null && schedule.OverlapPolicy != OverlapPolicy.Allow
            && await tasks.GetAsync(lastTaskId, CancellationToken.None) is { Item.Status: var status } && !status.IsTerminal())
        {
            if (schedule.OverlapPolicy == OverlapPolicy.Skip)
            {
                LogOverlapSkipped(logger, schedule.Id, at, lastTaskId);
                return null;
            }

            try
            {
                await lifecycle.CancelAsync(lastTaskId, client, CancellationToken.None);
            }
            catch (TaskConflictException)
            {
                // It ended meanwhile: nothing to cancel.
            }
        }

        return (await MakeTaskAsync(schedule, at, taskId, client)).Id;
    }

    private async Task<TaskItem> MakeTaskAsync(ScheduleItem schedule, DateTimeOffset at, string taskId, DurableTaskClient client)
    {
        TaskItem task;
        try
        {
            task = await lifecycle.CreateAsync(schedule.Task.ToRequest(schedule.Id), client, CancellationToken.None, taskId);
            await repository.AddRunAsync(schedule.Id, at, task.Id, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFiringFailed(logger, ex, schedule.Id, at);
            await events.ScheduleEventAsync(EventTypes.ScheduleFailed, schedule, at, null, ex.Message, CancellationToken.None);
            throw;
        }

        await events.ScheduleEventAsync(EventTypes.ScheduleFired, schedule, at, task.Id, null, CancellationToken.None);
        return task;
    }

    private async Task<ScheduleItem> ChangeAsync(string id, Func<ScheduleItem, ScheduleItem> change, DurableTaskClient client, CancellationToken cancellationToken)
    {
        var changed = await RecordAsync(id, s => Planned(change(s)), cancellationToken);
        await SignalAsync(client, id, CancellationToken.None);
        return changed;
    }

    /// <summary>An ETag-guarded read-change-write of the schedule, repeated on a lost race.</summary>
    private async Task<ScheduleItem> RecordAsync(string id, Func<ScheduleItem, ScheduleItem> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await FindAsync(id, cancellationToken) ?? throw ScheduleNotFound(id);
            var changed = change(stored.Schedule);
            if (changed == stored.Schedule)
            {
                return changed;
            }

            try
            {
                return (await repository.ReplaceAsync(changed, stored.ETag, cancellationToken)).Schedule;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxUpdateAttempts)
            {
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw ScheduleNotFound(id);
            }
        }
    }

    private async Task<StoredSchedule?> FindAsync(string id, CancellationToken cancellationToken) =>
        ScheduleIds.IsValid(id) ? await repository.GetAsync(id, cancellationToken) : null;

    /// <summary>Tells the schedule's orchestration to plan again; starts one if it has none (missing or finished).</summary>
    private async Task SignalAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        try
        {
            await client.RaiseEventAsync(id, WorkflowNames.ScheduleChangedEvent, cancellation: cancellationToken);
            return;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.ScheduleWorkflow, new ScheduleRun(id), new StartOrchestrationOptions(InstanceId: id), cancellationToken);
            LogStarted(logger, id);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
        {
            // Another caller started it at the same moment: it reads the row we wrote.
        }
    }

    private static ApiException ScheduleNotFound(string id) =>
        ApiException.NotFound($"Schedule '{(id.Length > 64 ? id[..64] : id)}' was not found.");

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Schedule {ScheduleId}: orchestration started")]
    private static partial void LogStarted(ILogger logger, string scheduleId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Schedule {ScheduleId}: the firing of {FireAt:o} skipped, its previous task {TaskId} has not finished (overlap policy skip)")]
    private static partial void LogOverlapSkipped(ILogger logger, string scheduleId, DateTimeOffset fireAt, string taskId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Schedule {ScheduleId}: the firing of {FireAt:o} failed; its orchestration retries it")]
    private static partial void LogFiringFailed(ILogger logger, Exception exception, string scheduleId, DateTimeOffset fireAt);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Schedule {ScheduleId}: due at {NextFireAt:o} and not fired; telling its orchestration again")]
    private static partial void LogOverdue(ILogger logger, string scheduleId, DateTimeOffset nextFireAt);
}

/// <summary>Schedule ids, and the ids of the tasks their firings make.</summary>
public static partial class ScheduleIds
{
    public static string New() => "sched-" + Guid.CreateVersion7().ToString("N");

    public static bool IsValid(string? id) => id is not null && id.Length <= 40 && id.StartsWith("sched-", StringComparison.Ordinal) && TaskIds.IsValid(id);

    /// <summary>
    /// The task a firing makes: the schedule id and the fire time (<c>m</c> before a manual trigger's), so a repeated
    /// firing finds its task. At most 58 characters, within a task id's 64.
    /// </summary>
    public static string TaskId(string scheduleId, DateTimeOffset fireAt, bool manual) =>
        scheduleId + "-" + (manual ? "m" : string.Empty) + fireAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
}
