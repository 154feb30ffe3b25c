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
/// <para>So a task is looked at once when it settles and once an hour after: a long-running task costs no storage
/// calls per minute, and the walk reads only the index keys of its window.</para>
/// </summary>
public sealed partial class TaskReconciler(
    TaskRepository tasks,
    TaskLifecycle lifecycle,
    TaskWorkflowClient workflows,
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
        var repaired = 0;
        foreach (var status in TaskStates.All)
        {
            // First pass of a process: the last hour (the previous process covered what came before).
            var from = fullWalk && !status.IsTerminal()
                ? DateTimeOffset.UnixEpoch
                : _settledUpTo.GetValueOrDefault(status, settled - FullWalkEvery);
            string? cursor = null;
            do
            {
                var (items, next) = await tasks.ScanUpdatedBetweenAsync(status, from, settled, cursor, PageRequest.MaxLimit, cancellationToken);
                cursor = next;
                foreach (var task in items)
                {
                    repaired += await RepairAsync(client, task, cancellationToken) ? 1 : 0;
                }
            }
            while (cursor is not null);

            _settledUpTo[status] = settled;
        }

        if (fullWalk)
        {
            _lastFullWalk = now;
        }

        return repaired;
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
