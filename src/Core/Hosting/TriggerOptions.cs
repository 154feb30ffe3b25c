namespace TaskScheduler.Core.Hosting;

/// <summary>
/// What the Functions host reads from app settings through <c>%name%</c> binding expressions in the trigger
/// attributes (the queue the <c>DeliverEvents</c> trigger listens on, the three timers' schedules), bound here from
/// the same settings so that SelfHost runs the same queue and schedules. Flat names, like <c>TaskHubName</c>: the host
/// resolves a binding expression against its app settings by exact name.
/// <para>Each schedule is NCRONTAB with seconds (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>), UTC.
/// Flex Consumption has no TimeSpan schedules, and an instance that a timer wakes every few seconds never idles, so
/// the schedules trade detection delay against cost: see docs/deploy.md.</para>
/// </summary>
public sealed class TriggerOptions
{
    /// <summary>
    /// The outbox queue's full name: <c>Scheduler__StoragePrefix</c> + <c>events-outbox</c>. The producers write to
    /// that name; the setting must say the same (checked at start), because the host cannot compose it. Empty in
    /// SelfHost: derived from the prefix.
    /// </summary>
    public string EventsOutboxQueue { get; set; } = string.Empty;

    /// <summary><c>SweepLostWorkers</c>: workers silent past <c>Scheduler__WorkerOfflineAfterSeconds</c> go offline.</summary>
    public string SweepLostWorkersSchedule { get; set; } = DefaultSweepLostWorkersSchedule;

    /// <summary><c>ReconcileTasks</c>: unfinished tasks whose orchestration is missing get one again.</summary>
    public string ReconcileTasksSchedule { get; set; } = DefaultReconcileTasksSchedule;

    /// <summary><c>PurgeHistory</c>: finished orchestrations' history is purged after its retention.</summary>
    public string PurgeHistorySchedule { get; set; } = DefaultPurgeHistorySchedule;

    public const string DefaultSweepLostWorkersSchedule = "*/10 * * * * *";
    public const string DefaultReconcileTasksSchedule = "0 * * * * *";
    public const string DefaultPurgeHistorySchedule = "30 * * * * *";

    /// <summary>The binding expressions of the trigger attributes (constants, as attributes need).</summary>
    public const string EventsOutboxQueueExpression = "%" + nameof(EventsOutboxQueue) + "%";
    public const string SweepLostWorkersScheduleExpression = "%" + nameof(SweepLostWorkersSchedule) + "%";
    public const string ReconcileTasksScheduleExpression = "%" + nameof(ReconcileTasksSchedule) + "%";
    public const string PurgeHistoryScheduleExpression = "%" + nameof(PurgeHistorySchedule) + "%";

    /// <summary>The outbox queue both hosts use: the setting, or (empty) the prefixed default.</summary>
    public string OutboxQueueFor(string storagePrefix) =>
        string.IsNullOrEmpty(EventsOutboxQueue) ? storagePrefix + Events.EventQueues.Outbox : EventsOutboxQueue;
}
