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
    public async Task<int> SweepAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().AddSeconds(-options.Value.WorkerOfflineAfterSeconds);
        var silent = new List<WorkerEntity>();
        await foreach (var worker in workers.FindSilentAsync(cutoff, cancellationToken))
        {
            silent.Add(worker);
        }

        foreach (var worker in silent)
        {
            var marked = false;
            var updated = await workers.UpdateAsync(worker.PartitionKey, w =>
            {
                marked = w.Status != WorkerStatus.Offline && w.LastHeartbeat < cutoff;
                if (marked)
                {
                    w.Status = WorkerStatus.Offline;
                }

                return marked;
            }, cancellationToken);
            if (marked && updated is not null)
            {
                LogWorkerOffline(logger, worker.PartitionKey, worker.LastHeartbeat);
                await events.WorkerEventAsync(EventTypes.WorkerOffline, updated, cancellationToken);
            }
        }

        var lost = 0;
        var known = new Dictionary<string, WorkerEntity?>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var (running, next) = await tasks.ScanAsync(TaskState.Running, TaskSortField.UpdatedAt, cursor, PageRequest.MaxLimit, cancellationToken);
            cursor = next;
            foreach (var task in running)
            {
                WorkerEntity? worker = null;
                if (task.WorkerId is not null && !known.TryGetValue(task.WorkerId, out worker))
                {
                    worker = known[task.WorkerId] = await workers.GetAsync(task.WorkerId, cancellationToken);
                }

                // A worker with no row (deleted, or not yet re-registered) is judged like a silent one: lost only
                // once the attempt is older than the offline threshold, so an agent that registers again keeps it.
                var outcome = (worker is null && (task.StartedAt ?? task.UpdatedAt) < cutoff) || worker?.Status == WorkerStatus.Offline
                    ? AttemptOutcome.WorkerLost(task.WorkerId ?? "unknown")
                    : worker is null ? null
                    : Abandoned(task, worker) ? AttemptOutcome.Abandoned(worker.PartitionKey) : null;
                if (outcome is null)
                {
                    continue;
                }

                try
                {
                    var after = await lifecycle.EndAttemptAsync(new AttemptRef(task.Id, task.Attempt), task.WorkerId, outcome, client, cancellationToken);
                    LogAttemptLost(logger, task.Id, task.Attempt, task.WorkerId, after.Status.ToWire());
                    lost++;
                }
                catch (TaskConflictException)
                {
                    // It ended by itself meanwhile.
                }
            }
        }
        while (cursor is not null);

        return lost;
    }

    /// <summary>
    /// A live worker that has heart-beaten twice since it claimed the attempt without reporting it no longer runs
    /// it (its report of the end was lost, or it restarted under the same id): the attempt is over.
    /// </summary>
    private bool Abandoned(TaskItem task, WorkerEntity worker)
    {
        var twoBeats = TimeSpan.FromSeconds(2 * options.Value.HeartbeatIntervalSeconds);
        return task.StartedAt is { } started
            && worker.LastHeartbeat > started + twoBeats
            && !WorkerResource.CurrentTaskIdsOf(worker).Contains(task.Id);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Worker {WorkerId} is offline (last heartbeat {LastHeartbeat:o})")]
    private static partial void LogWorkerOffline(ILogger logger, string workerId, DateTimeOffset lastHeartbeat);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Task {TaskId} attempt {Attempt} lost with worker {WorkerId}; now {Status}")]
    private static partial void LogAttemptLost(ILogger logger, string taskId, int attempt, string? workerId, string status);
}
