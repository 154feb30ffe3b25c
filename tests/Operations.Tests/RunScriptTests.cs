using System.Globalization;
using System.Net;
using System.Net.Sockets;
using TaskScheduler.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskScheduler.Operations.Tests;

/// <summary>
/// <c>scripts/run.sh</c> driven as a real process: Ctrl-C stops it in seconds without a stack trace, the next start
/// reads the data back, and it refuses clearly when it cannot start.
/// </summary>
[Collection(RunScriptSerial.Name)]
public sealed class RunScriptTests(ITestOutputHelper output) : IDisposable
{
    // Generous for a loaded 2-core machine: each start builds nothing but loads Azurite, SelfHost and the agent.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    // The goal is under 5 s with idle agents; the assertion leaves room for a machine busy with other builds.
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("taskscheduler-run-");

    [Fact]
    public async Task Ctrl_C_stops_everything_within_seconds_and_the_next_start_reads_every_task_back_five_times_in_a_row()
    {
        var settings = NewSettings(_data.FullName);
        var kept = new Dictionary<string, string>();
        var stops = new List<string>();
        for (var run = 0; run <= 5; run++)
        {
            await using var system = await RunScriptProcess.StartAsync(settings, StartTimeout);
            using var api = system.CreateClient();
            foreach (var (id, status) in kept)
            {
                var (code, body) = await api.GetJsonAsync($"tasks/{id}");
                Assert.True(code == HttpStatusCode.OK, $"start {run}: GET tasks/{id} answered {(int)code}: {body}");
                Assert.Equal(status, body.GetProperty("data").GetProperty("status").GetString());
            }

            if (run < 5)
            {
                // Two tasks per run, run to the end by the agent, so it is idle when Ctrl-C comes.
                var created = new List<string>();
                for (var i = 0; i < 2; i++)
                {
                    created.Add((await api.CreateTaskAsync(new { name = $"run-{run}-{i}", command = "true" })).GetProperty("id").GetString()!);
                }

                foreach (var id in created)
                {
                    kept[id] = await Poll.UntilAsync(
                        async () => (await api.GetJsonAsync($"tasks/{id}")).Body.GetProperty("data").GetProperty("status").GetString()!,
                        status => status is "completed" or "failed",
                        TimeSpan.FromSeconds(90),
                        $"task {id} of start {run} to finish",
                        TimeSpan.FromMilliseconds(250));
                    Assert.Equal("completed", kept[id]);
                }

                // "Idle" includes SelfHost: a task reads completed a moment before its orchestration's last steps are
                // written, and a Ctrl-C in between would cancel the Durable worker's in-flight calls (which it logs
                // with a stack trace). The engine's own line for that last write says when it is done.
                foreach (var id in created)
                {
                    await Poll.UntilAsync(
                        () => Task.FromResult(system.Output.Any(line => line.Contains($"{id}: Updated Instances table and set the runtime status to 'Completed'", StringComparison.Ordinal))),
                        done => done,
                        TimeSpan.FromSeconds(60),
                        $"the orchestration of task {id} to finish");
                }
            }

            var (elapsed, exitCode) = await system.InterruptAsync(TimeSpan.FromSeconds(60));
            var said = system.Output.LastOrDefault(line => line.Contains("stopped in", StringComparison.Ordinal)) ?? "(no 'stopped in' line)";
            stops.Add(string.Create(CultureInfo.InvariantCulture, $"stop {run + 1}: {elapsed.TotalSeconds:0.00} s; run.sh: {said}"));
            output.WriteLine(stops[^1]);

            Assert.True(exitCode == 130, $"run.sh exited with {exitCode} after SIGINT, not 130:{Environment.NewLine}{system.RecentOutput}");
            Assert.True(elapsed < StopLimit, $"stop {run + 1} took {elapsed.TotalSeconds:0.0} s:{Environment.NewLine}{system.RecentOutput}");
            Assert.Empty(system.LiveChildren());
            var traces = system.Output.Where(line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal) || line.Contains("Exception", StringComparison.Ordinal)).ToList();
            Assert.True(traces.Count == 0, $"start {run} printed a stack trace:{Environment.NewLine}{string.Join(Environment.NewLine, traces.Take(20))}{Environment.NewLine}Its last lines:{Environment.NewLine}{system.RecentOutput}");
        }

        Assert.Equal(10, kept.Count);

        // As deployed (two storage accounts), the task hub lives in an emulator of its own: its tables are saved in
        // hub/, and the data emulator holds the scheduler's tables only.
        var hubTables = await File.ReadAllTextAsync(Path.Combine(_data.FullName, "hub", "__azurite_db_table__.json"));
        var dataTables = await File.ReadAllTextAsync(Path.Combine(_data.FullName, "__azurite_db_table__.json"));
        Assert.Contains("TaskSchedulerHistory", hubTables, StringComparison.Ordinal);
        Assert.DoesNotContain("TaskSchedulerHistory", dataTables, StringComparison.Ordinal);
        Assert.Contains("tasks", dataTables, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_port_is_refused_before_anything_starts_naming_the_process_that_holds_it()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var settings = NewSettings(_data.FullName) with { Url = new Uri($"http://127.0.0.1:{port}") };

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => RunScriptProcess.StartAsync(settings, StartTimeout));

        Assert.Contains($"port {port} (the API) is already in use by pid {Environment.ProcessId} (", failure.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 1", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_emulator_that_exits_during_start_up_is_reported_with_its_log_line()
    {
        // A file Azurite cannot parse: it exits while loading, before SelfHost is started.
        await File.WriteAllTextAsync(Path.Combine(_data.FullName, "__azurite_db_table__.json"), "{\"not json");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => RunScriptProcess.StartAsync(NewSettings(_data.FullName), StartTimeout));

        Assert.Contains("Azurite exited during start-up", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Exit due to unhandled error", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _data.Delete(recursive: true);

    internal static RunScriptSettings NewSettings(string data)
    {
        var ports = new HashSet<int>();
        while (ports.Count < 7)
        {
            ports.Add(FreePort.Next());
        }

        var all = ports.ToArray();
        return new RunScriptSettings(data, all[..3], all[3..6], new Uri($"http://127.0.0.1:{all[6]}"));
    }
}
