using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The reconciliation sweep: nothing stays unfinished without an orchestration driving it. A non-terminal task
/// whose orchestration is missing or finished (the start failed after the row was written, the task hub was
/// reset) gets a new one, which resumes from the task's current state; a running orchestration whose task moved
/// on without it (an event lost to a crash) is told again.
/// </summary>
public sealed partial class TaskReconciler(
    TaskRepository tasks,
    TimeProvider clock,
    IOptions<WorkflowOptions> options,
    ILogger<TaskReconciler> logger)
{
    /// <summary>Bounds one sweep; a later sweep continues where this one stopped.</summary>
    private const int MaxPerStatus = 300;

    private static readonly TaskState[] Unfinished = [TaskState.Pending, TaskState.Queued, TaskState.Running];
    private static readonly TaskState[] Finished = [TaskState.Completed, TaskState.Failed, TaskState.Cancelled];

    /// <summary>Where each status's walk stopped (an index key; null: from the start).</summary>
    private readonly Dictionary<TaskState, string?> _cursors = [];

    public async Task<int> SweepAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var repaired = 0;
        var settled = clock.GetUtcNow().AddSeconds(-options.Value.ReconcileGraceSeconds);
        foreach (var status in Unfinished)
        {
            foreach (var task in await NextSliceAsync(status, cancellationToken))
            {
                if (task.UpdatedAt > settled)
                {
                    continue;
                }

                var instance = await client.GetInstanceAsync(task.Id, cancellationToken);
                if (instance is null || instance.IsCompleted)
                {
                    LogRestarting(logger, task.Id, task.Status.ToWire(), instance?.RuntimeStatus.ToString() ?? "missing");
                    await TaskWorkflowClient.StartAsync(client, task.Id, cancellationToken);
                    repaired++;
                }
                else if (task.Status == TaskState.Running)
                {
                    // Idempotent: an orchestration that already knows the attempt started ignores it.
                    await TaskWorkflowClient.RaiseAttemptAsync(client, task.Id, new AttemptUpdate(task.Attempt, true, null), cancellationToken);
                }
            }
        }

        // Recently finished tasks whose orchestration still waits (the end's event was lost).
        foreach (var status in Finished)
        {
            var (recent, _) = await tasks.ListAsync(new TaskListQuery(status, null, TaskSortField.UpdatedAt, true, new PageRequest(1, PageRequest.MaxLimit)), cancellationToken);
            foreach (var task in recent.Where(t => t.UpdatedAt <= settled && t.UpdatedAt > settled.AddHours(-1)))
            {
                var instance = await client.GetInstanceAsync(task.Id, cancellationToken);
                if (instance is { IsRunning: true })
                {
                    LogNudging(logger, task.Id, task.Status.ToWire());
                    await TaskWorkflowClient.RaiseAttemptAsync(client, task.Id, new AttemptUpdate(task.Attempt, false, task.Status.ToWire()), cancellationToken);
                    repaired++;
                }
            }
        }

        return repaired;
    }

    private async Task<IReadOnlyList<TaskItem>> NextSliceAsync(TaskState status, CancellationToken cancellationToken)
    {
        var slice = new List<TaskItem>();
        var cursor = _cursors.GetValueOrDefault(status);
        do
        {
            var (items, next) = await tasks.ScanAsync(status, TaskSortField.UpdatedAt, cursor, PageRequest.MaxLimit, cancellationToken);
            slice.AddRange(items);
            cursor = next;
        }
        while (cursor is not null && slice.Count < MaxPerStatus);

        _cursors[status] = cursor;
        return slice;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Task {TaskId} is {Status} but its orchestration is {Instance}; starting it again")]
    private static partial void LogRestarting(ILogger logger, string taskId, string status, string instance);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Task {TaskId} is {Status} but its orchestration still waits; telling it again")]
    private static partial void LogNudging(ILogger logger, string taskId, string status);
}
