using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.SelfHost;

/// <summary>
/// SelfHost's counterpart of the Functions app's timer triggers (<c>SweepLostWorkers</c>, <c>ReconcileTasks</c>, <c>PurgeHistory</c>):
/// the same Core services on the intervals of <see cref="WorkflowOptions"/>.
/// </summary>
public sealed partial class MaintenanceService(
    WorkerMonitor workerMonitor,
    TaskReconciler reconciler,
    HistoryPurger purger,
    DurableTaskClient client,
    IOptions<WorkflowOptions> options,
    ILogger<MaintenanceService> logger) : BackgroundService
{
    /// <summary>The Functions app's timer triggers this service stands in for (checked against functions.metadata).</summary>
    public static IReadOnlyList<string> TimerFunctions { get; } = ["SweepLostWorkers", "ReconcileTasks", "PurgeHistory"];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        RunEveryAsync(TimerFunctions[0], TimeSpan.FromSeconds(options.Value.WorkerSweepIntervalSeconds), ct => workerMonitor.SweepAsync(client, ct), stoppingToken),
        RunEveryAsync(TimerFunctions[1], TimeSpan.FromSeconds(options.Value.ReconcileIntervalSeconds), ct => reconciler.SweepAsync(client, ct), stoppingToken),
        RunEveryAsync(TimerFunctions[2], TimeSpan.FromSeconds(options.Value.PurgeIntervalSeconds), ct => purger.PurgeAsync(client, ct), stoppingToken));

    private async Task RunEveryAsync(string job, TimeSpan interval, Func<CancellationToken, Task<int>> run, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        var failures = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // The loop's one boundary: a failed run is logged and tried again, as a timer trigger would; after
            // repeated failures it skips ticks (up to 30 s), so a storage outage is not hammered every second.
            try
            {
                await run(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                var backOff = TimeSpan.FromSeconds(Math.Min(30, interval.TotalSeconds * Math.Pow(2, Math.Min(failures, 10) - 1)));
                LogJobFailed(logger, ex, job, backOff.TotalSeconds);
                await Task.Delay(backOff - interval > TimeSpan.Zero ? backOff - interval : TimeSpan.Zero, stoppingToken);
            }
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Periodic job {Job} failed; it runs again in {Seconds} s")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string job, double seconds);
}
