using System.Runtime.CompilerServices;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The lost-worker sweep (a timer in both hosts): a worker silent for longer than the offline threshold is marked
/// <c>offline</c>, and every running attempt on an offline or unknown worker ends as lost, which retries or fails
/// it per decisions.md.
/// </summary>
public sealed partial class WorkerMonitor(
    WorkerRepository workers,
    TaskRepository tasks,
    TaskLifecycle lifecycle,
    EventPublisher events,
    TimeProvider clock,
    IOptions<WorkflowOptions> options,
    ILogger<WorkerMonitor> logger)
{
    private static readonly TimeSpan RowWalkEvery = TimeSpan.FromHours(1);

    private DateTimeOffset _lastRowWalk = DateTimeOffset.MinValue;

    public async Task<int> SweepAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().AddSeconds(-options.Value.WorkerOfflineAfterSeconds);
        var silent = new List<Worker>();
        await foreach (var worker in workers.FindSilentAsync(cutoff, cancellationToken))
        {
            silent.Add(worker);
        }

        foreach (var worker in silent)
        {
            var marked = false;
            var updated = await workers.UpdateAsync(worker.Id, w =>
            {
                marked = w.Status != WorkerStatus.Offline && w.LastHeartbeat < cutoff;
                return marked ? w with { Status = WorkerStatus.Offline } : w;
            }, cancellationToken);
            if (marked && updated is not null)
            {
                LogWorkerOffline(logger, worker.Id, worker.LastHeartbeat);
                await events.WorkerEventAsync(EventTypes.WorkerOffline, updated, cancellationToken);
            }
        }

        var lost = 0;
        var known = new Dictionary<string, Worker?>(StringComparer.Ordinal);
        await foreach (var attempt in AttemptKeysAsync(cancellationToken))
        {
            Worker? worker = null;
            if (attempt.WorkerId is not null && !known.TryGetValue(attempt.WorkerId, out worker))
            {
                worker = known[attempt.WorkerId] = await workers.GetAsync(attempt.WorkerId, cancellationToken);
            }

            // A worker with no row (deleted, or not yet re-registered) is judged like a silent one: lost only
            // once the attempt is older than the offline threshold, so an agent that registers again keeps it.
            var outcome = (worker is null && attempt.StartedAt < cutoff) || worker?.Status == WorkerStatus.Offline
                ? AttemptOutcome.WorkerLost(attempt.WorkerId ?? "unknown")
                : worker is null ? null
                : Abandoned(attempt, worker) ? AttemptOutcome.Abandoned(worker.Id) : null;
            if (outcome is null)
            {
                continue;
            }

            try
            {
                // Fenced by attempt and worker: a key left by an interrupted write changes nothing.
                var after = await lifecycle.EndAttemptAsync(new AttemptRef(attempt.TaskId, attempt.Attempt), attempt.WorkerId, outcome, client, cancellationToken);
                LogAttemptLost(logger, attempt.TaskId, attempt.Attempt, attempt.WorkerId, after.Status.ToWire());
                lost++;
            }
            catch (Exception ex) when (ex is TaskConflictException or TaskNotFoundException)
            {
                // It ended by itself meanwhile, or is gone.
            }
        }

        return lost;
    }

    /// <summary>
    /// The running attempts, from the index's attempt keys (no task row read, so a running task costs nothing per
    /// pass); on a process's first pass and hourly, from the running tasks' rows instead, which also covers tasks
    /// that started before attempt keys existed.
    /// </summary>
    private async IAsyncEnumerable<AttemptKey> AttemptKeysAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fromRows = clock.GetUtcNow() - _lastRowWalk >= RowWalkEvery;
        string? cursor = null;
        do
        {
            IReadOnlyList<AttemptKey> page;
            if (fromRows)
            {
                var (running, next) = await tasks.ScanAsync(TaskState.Running, TaskSortField.UpdatedAt, cursor, PageRequest.MaxLimit, cancellationToken);
                (page, cursor) = (running.Select(t => new AttemptKey(t.Id, t.WorkerId, t.Attempt, t.StartedAt ?? t.UpdatedAt)).ToList(), next);
            }
            else
            {
                (page, cursor) = await tasks.ScanRunningAttemptsAsync(cursor, PageRequest.MaxLimit, cancellationToken);
            }

            foreach (var attempt in page)
            {
                yield return attempt;
            }
        }
        while (cursor is not null);

        if (fromRows)
        {
            _lastRowWalk = clock.GetUtcNow();
        }
    }

    /// <summary>
    /// A live worker that has heart-beaten twice since it claimed the attempt without reporting it no longer runs
    /// it (its report of the end was lost, or it restarted under the same id): the attempt is over.
    /// </summary>
    private bool Abandoned(AttemptKey attempt, Worker worker)
    {
        var twoBeats = TimeSpan.FromSeconds(2 * options.Value.HeartbeatIntervalSeconds);
        return worker.LastHeartbeat > attempt.StartedAt + twoBeats
            && !WorkerResource.CurrentTaskIdsOf(worker).Contains(attempt.TaskId);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Worker {WorkerId} is offline (last heartbeat {LastHeartbeat:o})")]
    private static partial void LogWorkerOffline(ILogger logger, string workerId, DateTimeOffset lastHeartbeat);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Task {TaskId} attempt {Attempt} lost with worker {WorkerId}; now {Status}")]
    private static partial void LogAttemptLost(ILogger logger, string taskId, int attempt, string? workerId, string status);
}
