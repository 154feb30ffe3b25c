namespace TaskScheduler.Core.Tasks;

/// <summary>The bounds we enforce on every field of a task (documented in docs/api.md, "Conventions").</summary>
public static class TaskLimits
{
    public const int MinPriority = 1;
    public const int MaxPriority = 10;

    /// <summary>Bounds the orchestration's history: every attempt adds a handful of events.</summary>
    public const int MaxRetries = 20;

    public const int MaxTimeoutSeconds = 7 * 24 * 3600;
    public const int NameMaxLength = 200;
    public const int DescriptionMaxLength = 4000;
    public const int CommandMaxLength = 8192;
    public const int MaxTags = 20;
    public const int TagMaxLength = 64;
    public const int MaxDependencies = 50;
    public const int CheckpointMaxBytes = 32 * 1024;

    /// <summary>The scheduler's own log lines a task row keeps (the newest), and how long one may be.</summary>
    public const int SchedulerLogLines = 40;
    public const int SchedulerLogLineMaxLength = 500;

    /// <summary><c>scheduled_at</c> may be at most this far in the future (a past time means "now").</summary>
    public static readonly TimeSpan MaxScheduleAhead = TimeSpan.FromDays(366);
}
