using System.Text.Json.Serialization;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Schedules;

/// <summary>A recurring schedule (decisions.md, "Beyond the reference"). Immutable: changes are <c>with</c> copies written under an ETag.</summary>
public sealed record ScheduleItem
{
    public required string Id { get; init; }
    public required string Name { get; init; }

    /// <summary>Exactly one of <see cref="Cron"/> and <see cref="IntervalSeconds"/> is set.</summary>
    public string? Cron { get; init; }

    public int? IntervalSeconds { get; init; }
    public string TimeZone { get; init; } = "UTC";
    public DateTimeOffset? StartAt { get; init; }
    public DateTimeOffset? EndAt { get; init; }
    public OverlapPolicy OverlapPolicy { get; init; } = OverlapPolicy.Skip;
    public CatchupPolicy CatchupPolicy { get; init; } = CatchupPolicy.None;
    public int CatchupWindowSeconds { get; init; } = ScheduleDefaults.CatchupWindowSeconds;
    public bool Paused { get; init; }
    public required ScheduleTemplate Task { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The fire time of the newest task the schedule made.</summary>
    public DateTimeOffset? LastFireAt { get; init; }

    /// <summary>The newest task the schedule made (the overlap policy looks at it).</summary>
    public string? LastTaskId { get; init; }

    /// <summary>
    /// Every fire time up to this one has been dealt with (fired or, by policy, skipped): the next firing is the first
    /// occurrence after it. Moved to the resume time by a resume, so a pause is not caught up.
    /// </summary>
    public DateTimeOffset? Cursor { get; init; }

    /// <summary>The next fire time, as of the last change; null when paused or ended.</summary>
    public DateTimeOffset? NextFireAt { get; init; }

    [JsonIgnore]
    public ScheduleStatus Status => Paused ? ScheduleStatus.Paused : NextFireAt is null ? ScheduleStatus.Ended : ScheduleStatus.Active;
}

/// <summary>What a firing does while the schedule's previous task has not finished.</summary>
public enum OverlapPolicy
{
    /// <summary>Make no task this time (the default).</summary>
    Skip,

    /// <summary>Make the task anyway: runs may overlap.</summary>
    Allow,

    /// <summary>Cancel the previous task, then make the new one.</summary>
    CancelPrevious,
}

/// <summary>What happens to fire times missed while the system was down, within the catch-up window.</summary>
public enum CatchupPolicy
{
    /// <summary>Missed fire times are skipped (the default).</summary>
    None,

    /// <summary>The newest missed fire time fires, once.</summary>
    Last,

    /// <summary>Every missed fire time fires, oldest first.</summary>
    All,
}

public enum ScheduleStatus
{
    Active,
    Paused,
    Ended,
}

/// <summary>The task each firing makes: the fields of <c>POST /tasks</c> that make sense again and again.</summary>
public sealed record ScheduleTemplate(
    string Name,
    string? Description,
    string Command,
    int Priority,
    int MaxRetries,
    int TimeoutSeconds,
    IReadOnlyList<string> Tags,
    bool CheckpointEnabled)
{
    public static ScheduleTemplate From(NewTaskRequest request) => new(
        request.Name, request.Description, request.Command, request.Priority, request.MaxRetries, request.TimeoutSeconds, request.Tags, request.CheckpointEnabled);

    public NewTaskRequest ToRequest(string scheduleId) =>
        new(Name, Description, Command, Priority, MaxRetries, null, TimeoutSeconds, Tags, [], CheckpointEnabled, scheduleId);
}

public static class ScheduleDefaults
{
    public const int CatchupWindowSeconds = 3600;

    /// <summary>Catch-up windows longer than a week would replay more than anyone wants.</summary>
    public const int MaxCatchupWindowSeconds = 7 * 24 * 3600;

    /// <summary>The longest interval: a year.</summary>
    public const int MaxIntervalSeconds = 366 * 24 * 3600;

    public const int CronMaxLength = 256;

    /// <summary>
    /// A fire time the engine reaches this late still counts as on time (the policy <c>none</c> fires it): Durable
    /// timers fire on whole seconds and a busy host is late by a few; anything later was missed while down.
    /// </summary>
    public static readonly TimeSpan OnTimeTolerance = TimeSpan.FromSeconds(30);

    /// <summary>One firing step makes at most this many tasks (catch-up <c>all</c>); the rest follow in the next step.</summary>
    public const int MaxFiringsPerStep = 50;
}
