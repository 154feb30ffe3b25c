using Cronos;

namespace TaskScheduler.Core.Schedules;

/// <summary>
/// When a schedule fires: a cron expression in a time zone (Cronos computes the occurrences) or a fixed interval from
/// the schedule's anchor, within its optional start and end.
/// <para>Daylight saving time, as users expect of a wall clock: a local time that does not exist (the hour skipped
/// in spring) is skipped, not moved to the end of the gap; a local time that happens twice (the hour repeated in
/// autumn) fires once, at its first instance. Cronos moves a skipped time to the end of the gap and fires an
/// expression such as <c>*/30 * * * *</c> in both instances of a repeated hour, so those two kinds of occurrence are
/// filtered here. Intervals count real seconds and know no DST.</para>
/// </summary>
public sealed class ScheduleRecurrence
{
    /// <summary>Occurrences looked at per call before giving up: every expression Cronos accepts fires within that many.</summary>
    private const int MaxSkips = 1_000;

    private readonly CronExpression? _cron;
    private readonly int? _intervalSeconds;
    private readonly TimeZoneInfo _zone;
    private readonly DateTimeOffset _anchor;
    private readonly DateTimeOffset? _startAt;
    private readonly DateTimeOffset? _endAt;

    private ScheduleRecurrence(CronExpression? cron, int? intervalSeconds, TimeZoneInfo zone, DateTimeOffset anchor, DateTimeOffset? startAt, DateTimeOffset? endAt)
    {
        _cron = cron;
        _intervalSeconds = intervalSeconds;
        _zone = zone;
        _anchor = anchor;
        _startAt = startAt;
        _endAt = endAt;
    }

    public static ScheduleRecurrence For(ScheduleItem schedule) => new(
        schedule.Cron is { } cron ? ParseCron(cron) : null,
        schedule.IntervalSeconds,
        FindZone(schedule.TimeZone) ?? TimeZoneInfo.Utc,
        schedule.StartAt ?? schedule.CreatedAt,
        schedule.StartAt,
        schedule.EndAt);

    /// <summary>5 fields, or 6 with seconds first; throws <see cref="CronFormatException"/> otherwise.</summary>
    public static CronExpression ParseCron(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

    /// <summary>An IANA time zone id (also the Windows ids .NET maps to them), or null.</summary>
    public static TimeZoneInfo? FindZone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>The first fire time strictly after <paramref name="after"/>, or null when the schedule has ended.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (_startAt is { } start && after < start)
        {
            after = start.AddTicks(-1);
        }

        var next = _cron is null ? NextInterval(after) : NextCron(after);
        return next is { } at && (_endAt is null || at <= _endAt) ? at : null;
    }

    private DateTimeOffset NextInterval(DateTimeOffset after)
    {
        var step = TimeSpan.FromSeconds(_intervalSeconds!.Value);
        if (after < _anchor)
        {
            return _anchor;
        }

        var passed = (after - _anchor).Ticks / step.Ticks;
        return _anchor + (step * (passed + 1));
    }

    private DateTimeOffset? NextCron(DateTimeOffset after)
    {
        var from = after;
        for (var i = 0; i < MaxSkips; i++)
        {
            if (_cron!.GetNextOccurrence(from, _zone) is not { } next)
            {
                return null;
            }

            if (!IsShiftedOutOfGap(next) && !IsSecondInstanceOfRepeatedTime(next))
            {
                return next;
            }

            from = next;
        }

        return null;
    }

    /// <summary>Cronos moved a local time that does not exist to the end of the gap: in wall-clock time the expression does not match it.</summary>
    private bool IsShiftedOutOfGap(DateTimeOffset occurrence)
    {
        var local = DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(occurrence, _zone).DateTime, DateTimeKind.Utc);
        return _cron!.GetNextOccurrence(local.AddTicks(-1), inclusive: false) != local;
    }

    /// <summary>The later of two instants that share one local time (the repeated hour): its offset is the zone's standard one.</summary>
    private bool IsSecondInstanceOfRepeatedTime(DateTimeOffset occurrence)
    {
        var local = TimeZoneInfo.ConvertTime(occurrence, _zone);
        if (!_zone.IsAmbiguousTime(local))
        {
            return false;
        }

        var offsets = _zone.GetAmbiguousTimeOffsets(local);
        return local.Offset == offsets.Min();
    }
}
