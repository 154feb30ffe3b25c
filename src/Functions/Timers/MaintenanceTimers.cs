using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Timers;

/// <summary>
/// The periodic jobs. SelfHost runs the same Core services from hosted services on the intervals in
/// <see cref="WorkflowOptions"/>; exceptions propagate so the host logs and counts the failed run.
/// </summary>
public sealed class MaintenanceTimers(WorkerMonitor workerMonitor, TaskReconciler reconciler, HistoryPurger purger)
{
    /// <summary>Workers silent for 30 s go offline and their running attempts are retried or failed.</summary>
    [Function("SweepLostWorkers")]
    public Task SweepLostWorkersAsync([TimerTrigger("*/10 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        workerMonitor.SweepAsync(client, CancellationToken.None);

    /// <summary>Unfinished tasks whose orchestration is missing get one again.</summary>
    [Function("ReconcileTasks")]
    public Task ReconcileAsync([TimerTrigger("0 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        reconciler.SweepAsync(client, CancellationToken.None);

    /// <summary>Finished orchestrations' history is purged after its retention (Scheduler__HistoryRetentionSeconds).</summary>
    [Function("PurgeHistory")]
    public Task PurgeHistoryAsync([TimerTrigger("30 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client) =>
        purger.PurgeAsync(client, CancellationToken.None);
}
