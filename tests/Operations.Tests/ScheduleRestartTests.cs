using System.Globalization;
using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskScheduler.Operations.Tests;

/// <summary>
/// A schedule every few seconds through a stop of the whole system (<c>scripts/run.sh</c>: SelfHost, both Azurite
/// emulators and the agent, Ctrl-C, then started again on the same data): with catch-up <c>all</c>, every fire time
/// from the first to the last has exactly one task: none lost to the downtime, none made twice.
/// </summary>
[Collection(RunScriptSerial.Name)]
public sealed class ScheduleRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int IntervalSeconds = 3;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("taskscheduler-schedule-");

    [Fact]
    public async Task Every_fire_time_makes_one_task_through_a_restart_of_SelfHost_and_Azurite()
    {
        var settings = RunScriptTests.NewSettings(_data.FullName);
        string id;
        await using (var system = await RunScriptProcess.StartAsync(settings, StartTimeout))
        {
            using var api = system.CreateClient();
            var (status, created) = await api.PostJsonAsync("schedules", new
            {
                name = "through-restart",
                interval_seconds = IntervalSeconds,
                catchup_policy = "all",
                overlap_policy = "allow",
                task = new { name = "tick", command = "true" },
            });
            Assert.True(status == HttpStatusCode.Created, $"{(int)status}: {created}");
            id = created.GetProperty("data").GetProperty("id").GetString()!;
            await RunsUntilAsync(api, id, runs => runs.Count >= 2, "two firings before the stop");
            var (_, exitCode) = await system.InterruptAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(130, exitCode);
        }

        var stoppedAt = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(2 * IntervalSeconds));
        await using (var system = await RunScriptProcess.StartAsync(settings, StartTimeout))
        {
            using var api = system.CreateClient();
            var restartedAt = DateTimeOffset.UtcNow;
            output.WriteLine($"stopped {stoppedAt:O}, restarted {restartedAt:O}");
            var runs = await RunsUntilAsync(api, id, runs => runs.Count > 0 && FireTimeOf(id, runs[0]) > restartedAt.AddSeconds(IntervalSeconds), "firings after the restart");
            var times = runs.Select(r => FireTimeOf(id, r)).Reverse().ToList();
            output.WriteLine(string.Join(", ", times.Select(t => t.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture))));

            Assert.Equal(times.Count, times.Distinct().Count());
            Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(
                pair.Second - pair.First == TimeSpan.FromSeconds(IntervalSeconds),
                $"a gap or a double between {pair.First:O} and {pair.Second:O}"));
            Assert.Contains(times, t => t > stoppedAt && t < restartedAt);

            // Nothing else made tasks on this fresh data: the schedule's runs are all the tasks there are.
            var (status, tasks) = await api.GetJsonAsync("tasks?limit=1");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(tasks.GetProperty("meta").GetProperty("total").GetInt64() >= times.Count);
            Assert.All(runs, r => Assert.Equal(id, r.GetProperty("schedule_id").GetString()));
            await system.InterruptAsync(TimeSpan.FromSeconds(60));
        }
    }

    public void Dispose() => _data.Delete(recursive: true);

    private static Task<IReadOnlyList<JsonElement>> RunsUntilAsync(HttpClient api, string id, Func<IReadOnlyList<JsonElement>, bool> done, string what) =>
        Poll.UntilAsync<IReadOnlyList<JsonElement>>(
            async () => (await api.GetJsonAsync($"schedules/{id}/runs?limit=100")).Body.GetProperty("data").EnumerateArray().ToList(),
            done,
            TimeSpan.FromSeconds(120),
            what,
            TimeSpan.FromMilliseconds(500));

    private static DateTimeOffset FireTimeOf(string scheduleId, JsonElement task) =>
        DateTimeOffset.ParseExact(task.GetProperty("id").GetString()![(scheduleId.Length + 1)..], "yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

/// <summary>The tests that start the whole system with run.sh run one at a time: two at once would share two cores and skew each other's stop limits.</summary>
[CollectionDefinition(Name)]
public sealed class RunScriptSerial
{
    public const string Name = "run.sh";
}
