using System.ComponentModel.DataAnnotations;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// Where the API's tables and queues live. Bound from the <c>Scheduler</c> section
/// (<c>Scheduler__StoragePrefix</c> in app settings); the connection itself is the <c>SchedulerStorage</c> setting,
/// named like a Functions connection so identity-based settings (<c>SchedulerStorage__tableServiceUri</c>) work too.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>
    /// Prefixed to every table and queue name, so several systems (or test runs) share one account without
    /// meeting. Lower-case letters and digits only: it must be valid in both table and queue names.
    /// </summary>
    [RegularExpression("^[a-z0-9]{0,20}$", ErrorMessage = "Scheduler:StoragePrefix must be 0-20 lower-case letters or digits.")]
    public string StoragePrefix { get; set; } = string.Empty;

    /// <summary>
    /// How long a process reuses a partition's task count when it answers a listing's <c>meta.total</c> (and skips
    /// partitions that are empty), instead of reading the counter shards again. Its own writes update the cached
    /// counts at once, so one instance always sees its own creates; other instances' writes show within this time.
    /// 0 reads the counters on every listing.
    /// </summary>
    [Range(0, 60)]
    public double ListTotalsCacheSeconds { get; set; } = 2;
}
