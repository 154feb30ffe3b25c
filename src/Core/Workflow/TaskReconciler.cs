using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The reconciliation sweep: nothing stays unfinished without an orchestration driving it, and no orchestration
/// waits for news that was lost. Each pass walks, with a cursor over the <c>updated_at</c> index, every task of every
/// status whose last change settled (is older than the grace) since the previous pass; once an hour it walks every
/// unfinished task whatever its age. For each: a non-terminal task whose orchestration is missing or finished gets a
/// new run (which resumes from the task's state); a running orchestration is told again where its task stands, and a
/// queued attempt's message is sent again (both harmless if nothing was lost).
/// <para>So a task is looked at once when it settles and once an hour after, and the look costs no storage call
/// of its own: a pass reads the index keys of its window and, when there are any, one query of the live
/// orchestrations; only a task whose status and orchestration disagree, or that waits, has its row read. A
/// long-running task costs nothing per minute.</para>
/// </summary>
public sealed partial class TaskReconciler(
    TaskRepository tasks,
    TaskLifecycle lifecycle,
    TaskWorkflowClient workflows,
    Schedules.ScheduleService schedules,
    TimeProvider clock,
    IOptions<WorkflowOptions> options,
    ILogger<TaskReconciler> logger)
{
    private static readonly TimeSpan FullWalkEvery = TimeSpan.FromHours(1);

    private readonly Dictionary<TaskState, DateTimeOffset> _settledUpTo = [];
    private DateTimeOffset _lastFullWalk = DateTimeOffset.MinValue;

    public async Task<int> SweepAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var settled = now.AddSeconds(-options.Value.ReconcileGraceSeconds);
        var fullWalk = now - _lastFullWalk >= FullWalkEvery;
        var visits = new List<(TaskState Status, string Id)>();
        foreach (var status in TaskStates.All)
        {
            // First pass of a process: the last hour (the previous process covered what came before).
            var from = fullWalk && !status.IsTerminal()
                ? DateTimeOffset.UnixEpoch
                : _settledUpTo.GetValueOrDefault(status, settled - FullWalkEvery);
            string? cursor = null;
            do
            {
                var (ids, next) = await tasks.ScanIdsUpdatedBetweenAsync(status, from, settled, cursor, PageRequest.MaxLimit, cancellationToken);
                cursor = next;
                visits.AddRange(ids.Select(id => (status, id)));
            }
            while (cursor is not null);
        }

        var repaired = 0;
        if (visits.Count > 0)
        {
            // One query of the live orchestrations instead of one look-up per task: a task whose status and
            // orchestration agree (finished and finished, or waiting and running) needs no row read at all.
            var live = await LiveInstancesAsync(client, cancellationToken);
            foreach (var (status, id) in visits)
            {
                if (NeedsLook(status, live.Contains(id)) && await tasks.GetAsync(id, cancellationToken) is { } stored && stored.Item.Status == status)
                {
                    repaired += await RepairAsync(client, stored.Item, cancellationToken) ? 1 : 0;
                }
            }
        }

        foreach (var status in TaskStates.All)
        {
            _settledUpTo[status] = settled;
        }

        if (fullWalk)
        {
            _lastFullWalk = now;
        }

        // Schedules too: one whose firing is overdue has lost its orchestration (one query of the schedules table).
        return repaired + await schedules.RepairAsync(client, cancellationToken);
    }

    /// <summary>
    /// Whether a task the index lists under <paramref name="status"/> may need repair: finished with its
    /// orchestration still running (the end's raise was lost), unfinished without one, or waiting (pending, whose
    /// orchestration is told to plan again in case an edit's raise was lost; queued, whose message is sent again).
    /// A running task's own orchestration timer watches it.
    /// </summary>
    private static bool NeedsLook(TaskState status, bool live) =>
        status.IsTerminal() ? live : !live || status != TaskState.Running;

    private static async Task<HashSet<string>> LiveInstancesAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        var query = new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Suspended],
            FetchInputsAndOutputs = false,
            PageSize = 1000,
        };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            live.Add(instance.InstanceId);
        }

        return live;
    }

    private async Task<bool> RepairAsync(DurableTaskClient client, TaskItem task, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(task.Id, cancellationToken);
        var running = instance is { IsRunning: true } or { RuntimeStatus: OrchestrationRuntimeStatus.Pending };
        if (!running)
        {
            if (task.Status.IsTerminal())
            {
                return false;
            }

            LogRestarting(logger, task.Id, task.Status.ToWire(), instance?.RuntimeStatus.ToString() ?? "missing");
            await workflows.RestartAsync(client, task, cancellationToken);
            if (task.Status == TaskState.Queued)
            {
                // The start may have been lost together with the queue message (a crash inside the create).
                await lifecycle.RemindAsync(task, client, cancellationToken);
            }

            return true;
        }

        if (task.Status != TaskState.Running)
        {
            LogReminding(logger, task.Id, task.Status.ToWire());
            await lifecycle.RemindAsync(task, client, cancellationToken);
        }

        return false;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Task {TaskId} is {Status} but its orchestration is {Instance}; starting it again")]
    private static partial void LogRestarting(ILogger logger, string taskId, string status, string instance);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Task {TaskId} is {Status} and its orchestration still runs; telling it again")]
    private static partial void LogReminding(ILogger logger, string taskId, string status);
}
