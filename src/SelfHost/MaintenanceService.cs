using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using NCrontab;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.SelfHost;

/// <summary>
/// SelfHost's counterpart of the Functions app's timer triggers (<c>SweepLostWorkers</c>, <c>ReconcileTasks</c>, <c>PurgeHistory</c>):
/// the same Core services on the same NCRONTAB schedules (<see cref="TriggerOptions"/>, the settings the host resolves
/// in the trigger attributes), parsed by the same library.
/// </summary>
public sealed partial class MaintenanceService(
    WorkerMonitor workerMonitor,
    TaskReconciler reconciler,
    HistoryPurger purger,
    DurableTaskClient client,
    IOptions<TriggerOptions> options,
    ILogger<MaintenanceService> logger) : BackgroundService
{
    /// <summary>The Functions app's timer triggers this service stands in for (checked against functions.metadata).</summary>
    public static IReadOnlyList<string> TimerFunctions { get; } = ["SweepLostWorkers", "ReconcileTasks", "PurgeHistory"];

    /// <summary>The schedule each timer function runs on, as both hosts read it.</summary>
    public static IReadOnlyDictionary<string, string> Schedules(TriggerOptions options) => new Dictionary<string, string>
    {
        [TimerFunctions[0]] = options.SweepLostWorkersSchedule,
        [TimerFunctions[1]] = options.ReconcileTasksSchedule,
        [TimerFunctions[2]] = options.PurgeHistorySchedule,
    };

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedules = Schedules(options.Value);
        return Task.WhenAll(
            RunOnScheduleAsync(TimerFunctions[0], schedules[TimerFunctions[0]], ct => workerMonitor.SweepAsync(client, ct), stoppingToken),
            RunOnScheduleAsync(TimerFunctions[1], schedules[TimerFunctions[1]], ct => reconciler.SweepAsync(client, ct), stoppingToken),
            RunOnScheduleAsync(TimerFunctions[2], schedules[TimerFunctions[2]], ct => purger.PurgeAsync(client, ct), stoppingToken));
    }

    private async Task RunOnScheduleAsync(string job, string expression, Func<CancellationToken, Task<int>> run, CancellationToken stoppingToken)
    {
        // Validated at start (TriggerOptionsValidator), so it parses.
        var schedule = TriggerOptionsValidator.TryParse(expression)!;
        var failures = 0;
        var notBefore = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = schedule.GetNextOccurrence(notBefore > DateTime.UtcNow ? notBefore : DateTime.UtcNow);
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stoppingToken);
            }

            // The loop's one boundary: a failed run is logged and tried at a later occurrence, as a timer trigger
            // would; after repeated failures it skips occurrences (up to 30 s), so a storage outage is not hammered.
            try
            {
                await run(stoppingToken);
                failures = 0;
                notBefore = next;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                var backOff = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 10) - 1)));
                LogJobFailed(logger, ex, job, backOff.TotalSeconds);
                notBefore = DateTime.UtcNow + backOff;
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: a call cut short may surface as its client's own exception (an RpcException "Cancelled"
                // from the Durable client), not as an OperationCanceledException; either ends the loop quietly.
                return;
            }
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Periodic job {Job} failed; it runs again at its first occurrence after {Seconds} s")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string job, double seconds);
}
