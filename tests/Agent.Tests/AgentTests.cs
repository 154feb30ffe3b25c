using System.Globalization;
using System.Net;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Agent.Tests;

/// <summary>The real agent end to end: real processes for SelfHost, the agents and the commands, on Azurite.</summary>
public sealed class AgentTests(AgentSystem system) : IClassFixture<AgentSystem>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => system.StopAgentsAsync();

    [Fact]
    public async Task Echo_completes_with_its_output_as_result_and_in_the_logs()
    {
        system.StartAgent();
        var id = await system.CreateAsync(new { name = "hello", command = "echo hello; echo oops >&2" });

        var done = await system.WaitForStatusAsync(id, "completed");
        Assert.Equal("hello\n", done.GetProperty("result").GetString());
        var logs = await system.LogsAsync(id);
        Assert.Contains(logs, l => l.GetProperty("message").GetString() == "hello" && l.GetProperty("level").GetString() == "info");
        Assert.Contains(logs, l => l.GetProperty("message").GetString() == "oops" && l.GetProperty("level").GetString() == "error");
        var errors = await system.LogsAsync(id, "level=error");
        Assert.All(errors, l => Assert.Equal("error", l.GetProperty("level").GetString()));
    }

    [Fact]
    public async Task Exit_3_with_retries_fails_after_max_retries_plus_one_attempts()
    {
        system.StartAgent();
        var id = await system.CreateAsync(new { name = "exit 3", command = "echo try $TASK_ATTEMPT; exit 3", max_retries = 2 });

        var failed = await system.WaitForStatusAsync(id, "failed");
        Assert.Equal(2, failed.GetProperty("retry_count").GetInt32());
        Assert.Contains("Exited with code 3", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var tries = (await system.LogsAsync(id)).Select(l => l.GetProperty("message").GetString()).Where(m => m!.StartsWith("try ", StringComparison.Ordinal));
        Assert.Equal(["try 1", "try 2", "try 3"], tries);
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_killed_with_its_children()
    {
        system.StartAgent();
        var pidFile = AgentSystem.PidFile();
        var id = await system.CreateAsync(new { name = "slow", command = $"sleep 30 & echo $! > {pidFile}; wait", timeout_seconds = 2, max_retries = 0 });
        var child = await AgentSystem.ReadPidAsync(pidFile);
        Assert.True(AgentSystem.IsAlive(child));

        var failed = await system.WaitForStatusAsync(id, "failed");
        Assert.Contains("Timed out", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        await Poll.UntilAsync(() => Task.FromResult(AgentSystem.IsAlive(child)), alive => !alive, TimeSpan.FromSeconds(15), "the timed-out command's child to die");
    }

    [Fact]
    public async Task Cancelling_a_running_command_kills_it()
    {
        system.StartAgent();
        var pidFile = AgentSystem.PidFile();
        var id = await system.CreateAsync(new { name = "long", command = $"sleep 60 & echo $! > {pidFile}; wait" });
        var child = await AgentSystem.ReadPidAsync(pidFile);
        await system.WaitForStatusAsync(id, "running");

        Assert.Equal(HttpStatusCode.OK, (await system.Api.PostJsonAsync($"tasks/{id}/cancel", null)).Status);
        await Poll.UntilAsync(() => Task.FromResult(AgentSystem.IsAlive(child)), alive => !alive, TimeSpan.FromSeconds(15), "the cancelled command to die");
        Assert.Equal("cancelled", (await system.TaskAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Higher_priority_runs_first_when_the_agent_is_saturated()
    {
        system.StartAgent(slots: 1);
        var blocker = await system.CreateAsync(new { name = "blocker", command = "sleep 4", priority = 5 });
        await system.WaitForStatusAsync(blocker, "running");
        var low = await system.CreateAsync(new { name = "low", command = "true", priority = 1 });
        var normal = await system.CreateAsync(new { name = "normal", command = "true", priority = 5 });
        var high = await system.CreateAsync(new { name = "high", command = "true", priority = 10 });
        foreach (var id in new[] { low, normal, high })
        {
            await system.WaitForStatusAsync(id, "queued");
        }

        foreach (var id in new[] { low, normal, high })
        {
            await system.WaitForStatusAsync(id, "completed");
        }

        var started = new List<(string Name, string At)>();
        foreach (var id in new[] { low, normal, high })
        {
            var task = await system.TaskAsync(id);
            started.Add((task.GetProperty("name").GetString()!, task.GetProperty("started_at").GetString()!));
        }

        Assert.Equal(["high", "normal", "low"], started.OrderBy(s => s.At, StringComparer.Ordinal).Select(s => s.Name));
    }

    [Fact]
    public async Task A_multi_slot_agent_fills_its_free_slots_from_the_highest_bands_first()
    {
        // Queued before any agent runs, so the agent's first receive fills both its slots from what waits.
        var low = await system.CreateAsync(new { name = "low", command = "true", priority = 1 });
        var normal = await system.CreateAsync(new { name = "normal", command = "sleep 2", priority = 5 });
        var high = await system.CreateAsync(new { name = "high", command = "sleep 2", priority = 10 });
        foreach (var id in new[] { low, normal, high })
        {
            await system.WaitForStatusAsync(id, "queued");
        }

        system.StartAgent(slots: 2);
        var started = new Dictionary<string, DateTimeOffset>();
        foreach (var id in new[] { low, normal, high })
        {
            var task = await system.WaitForStatusAsync(id, "completed");
            started[task.GetProperty("name").GetString()!] = task.GetProperty("started_at").GetDateTimeOffset();
        }

        // Both slots went to high and normal together; low waited for one of them to end.
        Assert.True(started["low"] > started["high"] && started["low"] > started["normal"], string.Join(", ", started));
        Assert.True((started["normal"] - started["high"]).Duration() < TimeSpan.FromSeconds(1.5), string.Join(", ", started));
    }

    [Fact]
    public async Task A_dependent_runs_after_its_dependency_on_real_agents()
    {
        system.StartAgent();
        var a = await system.CreateAsync(new { name = "A", command = "sleep 1; echo a" });
        var b = await system.CreateAsync(new { name = "B", command = "echo b", dependencies = new[] { a } });

        var doneB = await system.WaitForStatusAsync(b, "completed");
        var doneA = await system.TaskAsync(a);
        Assert.True(string.CompareOrdinal(doneA.GetProperty("completed_at").GetString(), doneB.GetProperty("started_at").GetString()) <= 0);
    }

    [Fact]
    public async Task The_second_attempt_resumes_from_the_checkpoint_the_first_wrote()
    {
        system.StartAgent();
        const string command = """
            if grep -q '"step": *2' "$TASK_CHECKPOINT_FILE" 2>/dev/null; then echo "resumed at step 2"; exit 0; fi
            echo '{"step": 2}' > "$TASK_CHECKPOINT_FILE"; exit 1
            """;
        var id = await system.CreateAsync(new { name = "resumable", command, checkpoint_enabled = true, max_retries = 1 });

        var done = await system.WaitForStatusAsync(id, "completed");
        Assert.Equal("resumed at step 2\n", done.GetProperty("result").GetString());
        Assert.Equal(1, done.GetProperty("retry_count").GetInt32());
        Assert.Equal(2, done.GetProperty("checkpoint_data").GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task A_megabyte_of_output_is_shipped_without_breaking_anything()
    {
        system.StartAgent();
        var id = await system.CreateAsync(new { name = "flood", command = "head -c 750000 /dev/urandom | base64; echo end" });

        var done = await system.WaitForStatusAsync(id, "completed", seconds: 60);
        var result = done.GetProperty("result").GetString()!;
        Assert.EndsWith("end\n", result, StringComparison.Ordinal);
        Assert.True(result.Length <= 16 * 1024, $"result is {result.Length} chars");
        var (_, logs) = await system.Api.GetJsonAsync($"tasks/{id}/logs?limit=10");
        Assert.True(logs.GetProperty("meta").GetProperty("total").GetInt32() > 13_000, logs.GetProperty("meta").ToString());
    }

    [Fact]
    public async Task Workers_show_heartbeats_counters_and_current_tasks()
    {
        var agent = system.StartAgent();
        var id = await system.CreateAsync(new { name = "visible", command = "sleep 3" });
        await system.WaitForStatusAsync(id, "running");

        var busy = await Poll.UntilAsync(() => system.WorkerAsync(agent.WorkerId), w => w.GetProperty("current_tasks").GetInt32() == 1, TimeSpan.FromSeconds(10), "the worker to report its task");
        Assert.Equal("active", busy.GetProperty("status").GetString());
        Assert.Equal([id], busy.GetProperty("current_task_ids").EnumerateArray().Select(t => t.GetString()));
        Assert.InRange(busy.GetProperty("resources").GetProperty("memory_usage").GetDouble(), 0.0001, 1);
        var beat = DateTimeOffset.Parse(busy.GetProperty("last_heartbeat").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(DateTimeOffset.UtcNow - beat < TimeSpan.FromSeconds(10));

        await system.WaitForStatusAsync(id, "completed");
        // The finished-task counters are written in batches (Scheduler__CountersFlushSeconds), so they follow shortly.
        await Poll.UntilAsync(
            () => system.WorkerAsync(agent.WorkerId),
            w => w.GetProperty("status").GetString() == "idle" && w.GetProperty("tasks_completed").GetInt32() >= 1,
            TimeSpan.FromSeconds(20),
            "the worker to be idle and count the task");

        var (_, list) = await system.Api.GetJsonAsync("workers?status=idle");
        Assert.Contains(list.GetProperty("data").EnumerateArray(), w => w.GetProperty("id").GetString() == agent.WorkerId);
        var (_, tasks) = await system.Api.GetJsonAsync($"workers/{agent.WorkerId}/tasks");
        Assert.Contains(tasks.GetProperty("data").EnumerateArray(), t => t.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Kill_9_of_an_agent_mid_task_moves_the_task_to_another_and_marks_the_dead_one_offline()
    {
        var doomed = system.StartAgent();
        var id = await system.CreateAsync(new { name = "survivor", command = "sleep 2; echo survived", max_retries = 2 });
        var running = await system.WaitForStatusAsync(id, "running");
        Assert.Equal(doomed.WorkerId, running.GetProperty("worker_id").GetString());

        await doomed.KillAsync();
        var rescuer = system.StartAgent();

        var done = await system.WaitForStatusAsync(id, "completed", seconds: 60);
        Assert.Equal(rescuer.WorkerId, done.GetProperty("worker_id").GetString());
        Assert.Equal("survived\n", done.GetProperty("result").GetString());
        Assert.Equal("offline", (await system.WorkerAsync(doomed.WorkerId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_agent_cut_off_from_the_api_stops_its_command_within_the_lease()
    {
        await using var proxy = new TcpProxy(system.Host.Port);
        system.StartAgent(apiBase: proxy.ApiBase);
        var pidFile = AgentSystem.PidFile();
        var id = await system.CreateAsync(new { name = "orphan", command = $"sleep 120 & echo $! > {pidFile}; wait", max_retries = 0 });
        var child = await AgentSystem.ReadPidAsync(pidFile);
        await system.WaitForStatusAsync(id, "running");

        proxy.Cut();
        var cutAt = DateTimeOffset.UtcNow;
        await Poll.UntilAsync(() => Task.FromResult(AgentSystem.IsAlive(child)), alive => !alive, TimeSpan.FromSeconds(20), "the cut-off agent to stop its command");
        var lease = TimeSpan.FromSeconds(6 * 0.8);
        Assert.True(DateTimeOffset.UtcNow - cutAt < lease + TimeSpan.FromSeconds(8), $"stopped after {DateTimeOffset.UtcNow - cutAt}");
        await system.WaitForStatusAsync(id, "failed");
    }

    [Fact]
    public async Task Sigterm_lets_a_running_command_finish_then_the_agent_exits()
    {
        var agent = system.StartAgent();
        var id = await system.CreateAsync(new { name = "drained", command = "sleep 2; echo finished" });
        await system.WaitForStatusAsync(id, "running");

        Assert.True(await agent.StopAsync(TimeSpan.FromSeconds(30)), agent.RecentOutput);
        var done = await system.TaskAsync(id);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal("finished\n", done.GetProperty("result").GetString());
    }
}
