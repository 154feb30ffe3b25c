using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using NCrontab;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Hosting;

/// <summary>
/// A trigger setting either host would read differently fails the start, naming it: a schedule NCRONTAB cannot parse
/// (the host would refuse the function), an outbox queue that is not the one the producers write, or one of the
/// interval settings the schedules replaced (they did nothing under the Functions host).
/// </summary>
public sealed class TriggerOptionsValidator(IOptions<StorageOptions> storage, IConfiguration configuration) : IValidateOptions<TriggerOptions>
{
    /// <summary>The settings the schedules replaced, with their replacements.</summary>
    public static IReadOnlyList<(string Old, string New)> ReplacedSettings { get; } =
    [
        ("Scheduler:WorkerSweepIntervalSeconds", nameof(TriggerOptions.SweepLostWorkersSchedule)),
        ("Scheduler:ReconcileIntervalSeconds", nameof(TriggerOptions.ReconcileTasksSchedule)),
        ("Scheduler:PurgeIntervalSeconds", nameof(TriggerOptions.PurgeHistorySchedule)),
    ];

    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };

    /// <summary>Parses a schedule as the host's timer trigger does (six fields, seconds first).</summary>
    public static CrontabSchedule? TryParse(string schedule) => CrontabSchedule.TryParse(schedule, WithSeconds);

    public ValidateOptionsResult Validate(string? name, TriggerOptions options)
    {
        var failures = new List<string>();
        foreach (var (setting, schedule) in new[]
        {
            (nameof(TriggerOptions.SweepLostWorkersSchedule), options.SweepLostWorkersSchedule),
            (nameof(TriggerOptions.ReconcileTasksSchedule), options.ReconcileTasksSchedule),
            (nameof(TriggerOptions.PurgeHistorySchedule), options.PurgeHistorySchedule),
        })
        {
            if (TryParse(schedule) is null)
            {
                failures.Add($"{setting} '{schedule}' is not an NCRONTAB schedule with seconds ('{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}').");
            }
        }

        var expected = storage.Value.StoragePrefix + EventQueues.Outbox;
        if (!string.IsNullOrEmpty(options.EventsOutboxQueue) && options.EventsOutboxQueue != expected)
        {
            failures.Add($"{nameof(TriggerOptions.EventsOutboxQueue)} is '{options.EventsOutboxQueue}' but events are written to '{expected}' (Scheduler:StoragePrefix + '{EventQueues.Outbox}'): set it to '{expected}'.");
        }

        foreach (var (old, replacement) in ReplacedSettings)
        {
            if (configuration[old] is not null)
            {
                failures.Add($"{old} is no longer read (it did nothing under the Functions host): set {replacement} instead, an NCRONTAB schedule both hosts read.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
