namespace TaskScheduler.Core.Schedules;

/// <summary>The schedule object of the API (decisions.md, "Beyond the reference"), snake_case on the wire; its <c>task</c> is the template as stored.</summary>
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
    ScheduleTemplate Task,
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
        schedule.Task,
        schedule.Status.ToWire(),
        schedule.NextFireAt,
        schedule.LastFireAt,
        schedule.LastTaskId,
        schedule.CreatedAt,
        schedule.UpdatedAt);
}
