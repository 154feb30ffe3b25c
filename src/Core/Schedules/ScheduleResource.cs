namespace TaskScheduler.Core.Schedules;

/// <summary>The schedule object of the API (decisions.md, "Beyond the reference"), snake_case on the wire.</summary>
public sealed record ScheduleResource(
    string Id,
    string Name,
    string? Cron,
    int? IntervalSeconds,
    string Timezone,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    string OverlapPolicy,
    string CatchupPolicy,
    int CatchupWindowSeconds,
    bool Paused,
    ScheduleTemplateResource Task,
    string Status,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFireAt,
    string? LastTaskId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static ScheduleResource From(ScheduleItem schedule) => new(
        schedule.Id,
        schedule.Name,
        schedule.Cron,
        schedule.IntervalSeconds,
        schedule.TimeZone,
        schedule.StartAt,
        schedule.EndAt,
        schedule.OverlapPolicy.ToWire(),
        schedule.CatchupPolicy.ToWire(),
        schedule.CatchupWindowSeconds,
        schedule.Paused,
        new ScheduleTemplateResource(
            schedule.Task.Name,
            schedule.Task.Description,
            schedule.Task.Command,
            schedule.Task.Priority,
            schedule.Task.MaxRetries,
            schedule.Task.TimeoutSeconds,
            schedule.Task.Tags,
            schedule.Task.CheckpointEnabled),
        schedule.Status.ToWire(),
        schedule.NextFireAt,
        schedule.LastFireAt,
        schedule.LastTaskId,
        schedule.CreatedAt,
        schedule.UpdatedAt);
}

/// <summary>The <c>task</c> member of a schedule: the task each firing makes.</summary>
public sealed record ScheduleTemplateResource(
    string Name,
    string? Description,
    string Command,
    int Priority,
    int MaxRetries,
    int TimeoutSeconds,
    IReadOnlyList<string> Tags,
    bool CheckpointEnabled);
