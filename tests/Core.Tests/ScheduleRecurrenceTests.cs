using TaskScheduler.Core.Schedules;
using TaskScheduler.Core.Tasks;
using Xunit;

namespace TaskScheduler.Core.Tests;

/// <summary>Fire times computed by Cronos at fixed instants, DST as a wall clock, and the catch-up policies.</summary>
public class ScheduleRecurrenceTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ScheduleItem Schedule(string? cron = null, int? interval = null, string zone = "UTC") => new()
    {
        Id = "sched-test",
        Name = "test",
        Cron = cron,
        IntervalSeconds = interval,
        TimeZone = zone,
        Task = new ScheduleTemplate("t", null, "true", 5, 0, 60, [], false),
        CreatedAt = Created,
        UpdatedAt = Created,
    };

    private static List<DateTimeOffset> Next(ScheduleItem schedule, DateTimeOffset after, int count)
    {
        var recurrence = ScheduleRecurrence.For(schedule);
        var list = new List<DateTimeOffset>();
        for (var at = recurrence.NextAfter(after); at is { } t && list.Count < count; at = recurrence.NextAfter(t))
        {
            list.Add(t);
        }

        return list;
    }

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void A_daily_time_inside_the_spring_gap_is_skipped_that_day_not_moved_to_the_end_of_the_gap()
    {
        // Berlin, 2026-03-29: 02:00 local jumps to 03:00, so 02:30 does not exist that day.
        var fires = Next(Schedule(cron: "30 2 * * *", zone: "Europe/Berlin"), Utc(3, 27, 12, 0), 3);

        Assert.Equal([Utc(3, 28, 1, 30), Utc(3, 30, 0, 30), Utc(3, 31, 0, 30)], fires);
    }

    [Fact]
    public void A_repeated_autumn_hour_fires_each_local_time_once()
    {
        // Berlin, 2026-10-25: 03:00 local goes back to 02:00, so 02:00-02:59 happens twice (+02:00, then +01:00).
        var fires = Next(Schedule(cron: "*/30 * * * *", zone: "Europe/Berlin"), Utc(10, 24, 23, 10), 5);

        // 01:30 +02, 02:00 +02, 02:30 +02, then (02:00 and 02:30 +01 skipped) 03:00 +01, 03:30 +01.
        Assert.Equal([Utc(10, 24, 23, 30), Utc(10, 25, 0, 0), Utc(10, 25, 0, 30), Utc(10, 25, 2, 0), Utc(10, 25, 2, 30)], fires);
    }

    [Fact]
    public void A_daily_time_in_the_repeated_hour_fires_once()
    {
        var fires = Next(Schedule(cron: "30 2 * * *", zone: "Europe/Berlin"), Utc(10, 24, 12, 0), 2);

        Assert.Equal([Utc(10, 25, 0, 30), Utc(10, 26, 1, 30)], fires);
    }

    [Fact]
    public void Six_fields_put_seconds_first_and_intervals_count_from_the_start()
    {
        Assert.Equal([Utc(1, 1, 0, 0).AddSeconds(15), Utc(1, 1, 0, 0).AddSeconds(45)], Next(Schedule(cron: "15,45 * * * * *"), Utc(1, 1, 0, 0), 2));

        var interval = Schedule(interval: 90) with { StartAt = Utc(6, 1, 0, 0), EndAt = Utc(6, 1, 0, 3) };
        Assert.Equal([Utc(6, 1, 0, 0), Utc(6, 1, 0, 0).AddSeconds(90), Utc(6, 1, 0, 3)], Next(interval, Created, 10));
    }

    [Theory]
    [InlineData(CatchupPolicy.None, new[] { 600 })]
    [InlineData(CatchupPolicy.Last, new[] { 600 })]
    [InlineData(CatchupPolicy.All, new[] { 300, 360, 420, 480, 540, 600 })]
    public void After_downtime_the_catchup_policy_decides_which_missed_times_fire(CatchupPolicy policy, int[] expectedSeconds)
    {
        // Every minute; down from 00:01 to 00:10:05; the window (5 minutes) reaches back to 00:05:05.
        var schedule = Schedule(interval: 60) with { CatchupPolicy = policy, CatchupWindowSeconds = 300, Cursor = Created.AddMinutes(1) };
        var now = Created.AddMinutes(10).AddSeconds(5);

        var (fire, cursor, more) = ScheduleService.Due(schedule, now);

        // 00:05 is just outside the window (00:05:05): only 00:06..00:10 can catch up; "none" and "last" fire 00:10.
        var expected = expectedSeconds.Where(s => s >= 360 || policy != CatchupPolicy.All).Select(s => Created.AddSeconds(s)).ToList();
        Assert.Equal(expected, fire);
        Assert.Equal(Created.AddMinutes(10), cursor);
        Assert.False(more);
    }

    [Fact]
    public void A_time_missed_by_more_than_the_tolerance_does_not_fire_under_policy_none()
    {
        var schedule = Schedule(interval: 3600) with { Cursor = Created };
        var (fire, cursor, _) = ScheduleService.Due(schedule, Created.AddHours(1).AddMinutes(5));

        // Nothing fires; the cursor passes the missed 01:00 (to where the on-time tolerance begins).
        Assert.Empty(fire);
        Assert.Equal(Created.AddHours(1).AddMinutes(5) - ScheduleDefaults.OnTimeTolerance, cursor);
        Assert.Single(ScheduleService.Due(schedule, Created.AddHours(1).AddSeconds(20)).Fire);
    }

    [Fact]
    public void Catching_up_all_makes_at_most_one_step_of_tasks_and_asks_for_another()
    {
        var schedule = Schedule(interval: 1) with { CatchupPolicy = CatchupPolicy.All, Cursor = Created };
        var (fire, cursor, more) = ScheduleService.Due(schedule, Created.AddMinutes(10));

        Assert.Equal(ScheduleDefaults.MaxFiringsPerStep, fire.Count);
        Assert.Equal(fire[^1], cursor);
        Assert.True(more);
    }

    [Fact]
    public void Firing_task_ids_are_derived_from_the_schedule_and_the_fire_time()
    {
        var at = new DateTimeOffset(2026, 12, 4, 17, 30, 0, 250, TimeSpan.Zero);
        var id = ScheduleIds.TaskId("sched-0193a1b2c3d4e5f60718293a4b5c6d7e", at, manual: false);

        Assert.Equal("sched-0193a1b2c3d4e5f60718293a4b5c6d7e-20261204T173000250", id);
        Assert.True(TaskIds.IsValid(ScheduleIds.TaskId(ScheduleIds.New(), at, manual: true)));
    }
}
