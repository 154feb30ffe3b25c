using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Timers;

/// <summary>
/// The periodic jobs, on the schedules of <see cref="TriggerOptions"/> (app settings the host resolves, which SelfHost
/// reads for the same jobs); exceptions propagate so the host logs and counts the failed run.
/// </summary>
public sealed class MaintenanceTimers(WorkerMonitor workerMonitor, TaskReconciler reconciler, HistoryPurger purger)
{
    /// <summary>Workers silent for Scheduler__WorkerOfflineAfterSeconds go offline and their running attempts are retried or failed.</summary>
    [Function("SweepLostWorkers")]
    public Task SweepLostWorkersAsync([TimerTrigger(TriggerOptions.SweepLostWorkersScheduleExpression)] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        workerMonitor.SweepAsync(client, CancellationToken.None);

    /// <summary>Unfinished tasks whose orchestration is missing get one again.</summary>
    [Function("ReconcileTasks")]
    public Task ReconcileAsync([TimerTrigger(TriggerOptions.ReconcileTasksScheduleExpression)] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        reconciler.SweepAsync(client, CancellationToken.None);

    /// <summary>Finished orchestrations' history is purged after its retention (Scheduler__HistoryRetentionSeconds).</summary>
    [Function("PurgeHistory")]
    public Task PurgeHistoryAsync([TimerTrigger(TriggerOptions.PurgeHistoryScheduleExpression)] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        purger.PurgeAsync(client, CancellationToken.None);
}
