using System.Globalization;
using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// Recurring schedules (decisions.md, "Beyond the reference") over real HTTP against SelfHost, its Durable engine
/// and Azurite. No agent runs here, so every task a firing makes stays queued: the overlap policy sees it unfinished.
/// </summary>
public class SchedulesApiTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    private static readonly TimeSpan FiringDeadline = TimeSpan.FromSeconds(60);

    private HttpClient Api => fixture.Client;

    [Fact]
    public async Task An_interval_schedule_makes_one_task_per_fire_time_and_pause_and_resume_stop_and_restart_it()
    {
        var id = await CreateAsync(new { name = "every-2s", interval_seconds = 2, overlap_policy = "allow", task = new { name = "tick", command = "true", priority = 7, tags = new[] { "sched" } } });

        var runs = await RunsUntilAsync(id, count => count >= 3, "three firings");
        var fireTimes = runs.Select(r => FireTimeOf(id, r)).ToList();
        Assert.Equal(fireTimes.Count, fireTimes.Distinct().Count());
        Assert.All(runs, r =>
        {
            Assert.Equal(id, r.GetProperty("schedule_id").GetString());
            Assert.Equal("tick", r.GetProperty("name").GetString());
            Assert.Equal(7, r.GetProperty("priority").GetInt32());
        });

        // Newest first, and the fire times are whole steps of the interval apart.
        Assert.Equal(fireTimes.OrderDescending(), fireTimes);
        Assert.All(fireTimes.Zip(fireTimes.Skip(1)), pair => Assert.True(
            (pair.First - pair.Second).TotalMilliseconds % 2000 == 0 && pair.First > pair.Second,
            $"{pair.First:O} and {pair.Second:O} are not whole intervals apart"));
        var schedule = await GetAsync(id);
        Assert.Equal("active", schedule.GetProperty("status").GetString());
        Assert.True(Instant(schedule, "next_fire_at") > Instant(schedule, "last_fire_at"));

        var (pauseStatus, paused) = await Api.PostJsonAsync($"schedules/{id}/pause", null);
        Assert.Equal(HttpStatusCode.OK, pauseStatus);
        Assert.Equal("paused", paused.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("data").GetProperty("next_fire_at").ValueKind);

        // A firing already under way when the pause was written may still land; after it, none.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var whilePaused = (await RunsAsync(id)).Count;
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(whilePaused, (await RunsAsync(id)).Count);

        var (resumeStatus, resumed) = await Api.PostJsonAsync($"schedules/{id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumeStatus);
        Assert.Equal("active", resumed.GetProperty("data").GetProperty("status").GetString());
        await RunsUntilAsync(id, count => count > whilePaused, "a firing after the resume");

        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Delete, $"schedules/{id}")).Status);
        (await Api.GetJsonAsync($"schedules/{id}")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Overlap_skip_makes_no_task_while_the_previous_one_is_unfinished_and_trigger_runs_one_anyway()
    {
        var id = await CreateAsync(new { name = "skip", interval_seconds = 1, task = new { name = "stuck", command = "true" } });
        var first = (await RunsUntilAsync(id, count => count >= 1, "the first firing")).Single();
        Assert.Equal("skip", (await GetAsync(id)).GetProperty("overlap_policy").GetString());

        // Five more fire times pass while the first task stays queued: each is skipped.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var runs = await RunsAsync(id);
        Assert.Equal(first.GetProperty("id").GetString(), Assert.Single(runs).GetProperty("id").GetString());

        var (status, triggered) = await Api.PostJsonAsync($"schedules/{id}/trigger", null);
        Assert.Equal(HttpStatusCode.Created, status);
        var task = triggered.GetProperty("data");
        Assert.Equal(id, task.GetProperty("schedule_id").GetString());
        Assert.Equal("queued", task.GetProperty("status").GetString());
        var after = await RunsAsync(id);
        Assert.Equal(2, after.Count);
        Assert.Equal(task.GetProperty("id").GetString(), after[0].GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Delete, $"schedules/{id}")).Status);
    }

    [Fact]
    public async Task A_cron_schedule_fires_at_its_local_time_and_a_put_replans_it()
    {
        var id = await CreateAsync(new { name = "nine", cron = "0 9 * * *", timezone = "Europe/Berlin", task = new { name = "morning", command = "true" } });
        var schedule = await GetAsync(id);
        var next = Instant(schedule, "next_fire_at");
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.Equal(new TimeSpan(9, 0, 0), TimeZoneInfo.ConvertTime(next, berlin).TimeOfDay);
        Assert.True(next > DateTimeOffset.UtcNow && next <= DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal("0 9 * * *", schedule.GetProperty("cron").GetString());
        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("interval_seconds").ValueKind);
        Assert.Equal("none", schedule.GetProperty("catchup_policy").GetString());
        Assert.Equal(3600, schedule.GetProperty("catchup_window_seconds").GetInt32());

        // Giving interval_seconds drops the cron; the next fire time is planned again.
        var (status, updated) = await Api.SendAsync(HttpMethod.Put, $"schedules/{id}", new { interval_seconds = 3600, start_at = "2030-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.OK, status);
        var data = updated.GetProperty("data");
        Assert.Equal(JsonValueKind.Null, data.GetProperty("cron").ValueKind);
        Assert.Equal(3600, data.GetProperty("interval_seconds").GetInt32());
        Assert.Equal("2030-01-01T00:00:00Z", data.GetProperty("next_fire_at").GetString());
        Assert.Equal("morning", data.GetProperty("task").GetProperty("name").GetString());

        // An end before the next fire time ends the schedule.
        var (endStatus, ended) = await Api.SendAsync(HttpMethod.Put, $"schedules/{id}", new { end_at = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), start_at = (string?)null, cron = "0 0 1 1 *" });
        Assert.Equal(HttpStatusCode.OK, endStatus);
        Assert.Equal("ended", ended.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Delete, $"schedules/{id}")).Status);
    }

    [Fact]
    public async Task Bad_bodies_are_422_with_every_bad_field_and_create_nothing()
    {
        var before = await TotalAsync();
        var cases = new (object Body, string[] Fields)[]
        {
            (new { name = "x", task = new { name = "t", command = "true" } }, ["cron"]),
            (new { name = "x", cron = "* * * * *", interval_seconds = 5, task = new { name = "t", command = "true" } }, ["interval_seconds"]),
            (new { name = "x", cron = "61 * * * *", task = new { name = "t", command = "true" } }, ["cron"]),
            (new { name = "x", cron = "* * *", task = new { name = "t", command = "true" } }, ["cron"]),
            (new { name = "x", interval_seconds = 0, task = new { name = "t", command = "true" } }, ["interval_seconds"]),
            (new { name = "x", interval_seconds = 5, timezone = "Mars/Olympus", task = new { name = "t", command = "true" } }, ["timezone"]),
            (new { name = "x", interval_seconds = 5, overlap_policy = "sometimes", catchup_policy = "most", task = new { name = "t", command = "true" } }, ["overlap_policy", "catchup_policy"]),
            (new { name = "x", interval_seconds = 5, start_at = "2030-01-02T00:00:00Z", end_at = "2030-01-01T00:00:00Z", task = new { name = "t", command = "true" } }, ["end_at"]),
            (new { name = "x", interval_seconds = 5 }, ["task"]),
            (new { name = "x", interval_seconds = 5, task = new { name = "", priority = 99, dependencies = new[] { "task-1" } } }, ["task.name", "task.command", "task.priority", "task.dependencies"]),
            (new { interval_seconds = 5, every = 3, task = new { name = "t", command = "true" } }, ["name", "every"]),
        };
        foreach (var (body, fields) in cases)
        {
            var reply = await Api.PostJsonAsync("schedules", body);
            var error = reply.AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
            var details = error.GetProperty("details").EnumerateObject().Select(p => p.Name).Order().ToList();
            Assert.True(fields.Order().SequenceEqual(details), $"{JsonSerializer.Serialize(body)}: details {string.Join(", ", details)}, expected {string.Join(", ", fields)}");
        }

        Assert.Equal(before, await TotalAsync());
        (await Api.GetJsonAsync("schedules/sched-nope")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.GetJsonAsync("schedules/sched-nope/runs")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.PostJsonAsync("schedules/sched-nope/pause", null)).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.SendAsync(HttpMethod.Put, "schedules/sched-nope", new { name = "y" })).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.SendAsync(HttpMethod.Delete, "schedules/sched-nope")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    private async Task<string> CreateAsync(object body)
    {
        var (status, reply) = await Api.PostJsonAsync("schedules", body);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status}: {reply}");
        var id = reply.GetProperty("data").GetProperty("id").GetString()!;
        Assert.StartsWith("sched-", id, StringComparison.Ordinal);
        return id;
    }

    private async Task<JsonElement> GetAsync(string id)
    {
        var (status, reply) = await Api.GetJsonAsync($"schedules/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        return reply.GetProperty("data");
    }

    private async Task<long> TotalAsync() => (await Api.GetJsonAsync("schedules")).Body.GetProperty("meta").GetProperty("total").GetInt64();

    private async Task<IReadOnlyList<JsonElement>> RunsAsync(string id)
    {
        var (status, reply) = await Api.GetJsonAsync($"schedules/{id}/runs?limit=100");
        Assert.Equal(HttpStatusCode.OK, status);
        return reply.GetProperty("data").EnumerateArray().ToList();
    }

    private Task<IReadOnlyList<JsonElement>> RunsUntilAsync(string id, Func<int, bool> done, string what) =>
        Poll.UntilAsync(() => RunsAsync(id), runs => done(runs.Count), FiringDeadline, what, TimeSpan.FromMilliseconds(250));

    private static DateTimeOffset Instant(JsonElement element, string field) =>
        DateTimeOffset.Parse(element.GetProperty(field).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>A firing's task id is the schedule id and its fire time (yyyyMMddTHHmmssfff, UTC).</summary>
    private static DateTimeOffset FireTimeOf(string scheduleId, JsonElement task)
    {
        var taskId = task.GetProperty("id").GetString()!;
        Assert.StartsWith(scheduleId + "-", taskId, StringComparison.Ordinal);
        return DateTimeOffset.ParseExact(taskId[(scheduleId.Length + 1)..], "yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
