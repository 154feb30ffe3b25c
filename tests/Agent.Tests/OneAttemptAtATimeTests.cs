using System.Diagnostics;
using System.Globalization;
using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Workers;
using TaskScheduler.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskScheduler.Agent.Tests;

/// <summary>
/// Issue 13: no command outlives its attempt, whatever dies. Each command appends "&lt;attempt&gt; &lt;unix ms&gt;" to
/// a file every 0.2 s, as a user's would; overlap is measured the way a user would see it: two attempts must never
/// both write in the same second. Bounds are seconds, not milliseconds: two shared cores.
/// </summary>
public sealed class OneAttemptAtATimeTests(AgentSystem system, ITestOutputHelper output) : IClassFixture<AgentSystem>, IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "ts-attempts-" + Guid.NewGuid().ToString("N") + ".log");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await system.StopAgentsAsync();
        File.Delete(_file);
    }

    /// <summary>Writes a line every 0.2 s for <paramref name="seconds"/> (or forever), ignoring nothing.</summary>
    private string Writer(int seconds = 0, string prelude = "") =>
        prelude + (seconds > 0 ? $"for i in $(seq 1 {seconds * 5}); do " : "while true; do ")
        + $"echo \"$TASK_ATTEMPT $(date +%s%3N)\" >> {_file}; sleep 0.2; done";

    [Fact]
    public async Task Sigkill_of_the_agent_kills_its_command_and_its_background_child_and_the_retry_runs_alone()
    {
        var doomed = system.StartAgent();
        var pidFile = AgentSystem.PidFile();
        var id = await system.CreateAsync(new { name = "kill -9", command = Writer(seconds: 6, prelude: $"sleep 300 & echo $! > {pidFile}; "), max_retries = 1 });
        var child = await AgentSystem.ReadPidAsync(pidFile);
        await WaitForLinesAsync(attempt: 1, count: 3);

        var killedAt = Now();
        await doomed.KillAsync();
        await Poll.UntilAsync(() => Task.FromResult(AgentSystem.IsAlive(child)), alive => !alive, TimeSpan.FromSeconds(10), "the background child to die with the agent");
        var last = await StoppedWritingAsync(attempt: 1);
        output.WriteLine($"SIGKILL of the agent: attempt 1 wrote its last line {last - killedAt} ms after");
        Assert.True(last - killedAt < 2000, $"attempt 1 wrote {last - killedAt} ms after the agent was killed");

        system.StartAgent();
        await system.WaitForStatusAsync(id, "completed", seconds: 60);
        AssertNoOverlap();
    }

    [Fact]
    public async Task An_agent_frozen_beyond_its_lease_has_its_command_killed_and_the_retry_runs_alone()
    {
        var frozen = system.StartAgent();
        var id = await system.CreateAsync(new { name = "sigstop", command = Writer(seconds: 5), max_retries = 1 });
        await WaitForLinesAsync(attempt: 1, count: 3);
        system.StartAgent();

        var frozenAt = Now();
        Signal("STOP", frozen.ProcessId);
        try
        {
            var last = await StoppedWritingAsync(attempt: 1);
            output.WriteLine($"SIGSTOP of the agent: attempt 1 wrote its last line {last - frozenAt} ms after (lease 4 s)");
            Assert.True(last - frozenAt < 4000 + 2000, $"attempt 1 wrote {last - frozenAt} ms after the freeze");
            await system.WaitForStatusAsync(id, "completed", seconds: 60);
        }
        finally
        {
            Signal("CONT", frozen.ProcessId);
        }

        AssertNoOverlap();
        await Poll.UntilAsync(() => Task.FromResult(frozen.Output), o => o.Any(l => l.Contains("lease", StringComparison.Ordinal) && l.Contains("killing", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the thawed agent to say its lease ended");
        Assert.False(frozen.HasExited, frozen.RecentOutput);
    }

    [Fact]
    public async Task A_paused_machine_resumed_after_the_lease_kills_its_command_before_it_runs_on()
    {
        // A paused VM stops everything: the agent, the command's supervisor and the command. On resume the lease is
        // over, so whichever of agent and supervisor runs first must kill the command before it writes on.
        var agent = system.StartAgent();
        var pidFile = AgentSystem.PidFile();
        await system.CreateAsync(new { name = "paused", command = Writer(prelude: $"echo $$ > {pidFile}; "), max_retries = 0 });
        var group = await AgentSystem.ReadPidAsync(pidFile);
        await WaitForLinesAsync(attempt: 1, count: 3);
        var supervisor = ParentOf(group);

        Signal("STOP", -group);
        Signal("STOP", supervisor);
        Signal("STOP", agent.ProcessId);
        var pausedAt = Now();
        var linesAtPause = Lines(1).Count;
        await Task.Delay(TimeSpan.FromSeconds(6)); // the pause itself: longer than the 4 s lease

        Signal("CONT", agent.ProcessId);
        Signal("CONT", supervisor);
        Signal("CONT", -group);
        var resumedAt = Now();
        var last = await StoppedWritingAsync(attempt: 1);
        var after = Lines(1).Count - linesAtPause;
        output.WriteLine($"paused machine: {after} lines after the pause, the last {last - resumedAt} ms after the resume (paused at {pausedAt})");
        Assert.True(after <= 2, $"{after} lines written after the resume");
        Assert.True(!AgentSystem.IsAlive(group), "the command's shell still runs");
    }

    [Fact]
    public async Task Each_command_runs_under_the_native_supervisor_published_beside_the_agent()
    {
        // A .NET runtime start per command would cost ~90 ms of CPU; the Release build publishes a native one.
        system.StartAgent();
        var pidFile = AgentSystem.PidFile();
        var id = await system.CreateAsync(new { name = "native", command = $"echo $$ > {pidFile}; sleep 30", max_retries = 0 });
        var supervisor = ParentOf(await AgentSystem.ReadPidAsync(pidFile));

        var executable = File.ResolveLinkTarget($"/proc/{supervisor}/exe", returnFinalTarget: true)?.FullName;
        Assert.Equal(Path.Combine(Path.GetDirectoryName(RepoPaths.Output("WorkerAgent", "TaskScheduler.WorkerAgent.dll"))!, "supervisor", "TaskScheduler.Supervisor"), executable);
        Assert.Equal(HttpStatusCode.OK, (await system.Api.PostJsonAsync($"tasks/{id}/cancel", null)).Status);
        await system.WaitForStatusAsync(id, "cancelled");
    }

    [Fact]
    public async Task The_agents_own_binary_still_supervises_where_the_native_supervisor_is_absent()
    {
        var groupFile = AgentSystem.PidFile();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { RepoPaths.Output("WorkerAgent", "TaskScheduler.WorkerAgent.dll"), "supervise", groupFile, "30000", "exit 3" })
        {
            start.ArgumentList.Add(argument);
        }

        using var supervisor = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await supervisor.WaitForExitAsync(deadline.Token);
        Assert.Equal(3, supervisor.ExitCode);
        Assert.True(int.Parse(await File.ReadAllTextAsync(groupFile), CultureInfo.InvariantCulture) > 0);
        File.Delete(groupFile);
    }

    [Fact]
    public async Task A_black_holed_api_stops_the_command_before_the_scheduler_gives_the_task_to_another_agent()
    {
        // Calls hang rather than fail: the lease must not wait behind them.
        await using var proxy = new TcpProxy(system.Host.Port);
        system.StartAgent(apiBase: proxy.ApiBase);
        var id = await system.CreateAsync(new { name = "black hole", command = Writer(seconds: 10), max_retries = 1 });
        await WaitForLinesAsync(attempt: 1, count: 3);
        system.StartAgent();

        var holedAt = Now();
        proxy.BlackHole();
        var last = await StoppedWritingAsync(attempt: 1);
        output.WriteLine($"black-holed API: attempt 1 wrote its last line {last - holedAt} ms after (lease 4 s)");
        Assert.True(last - holedAt < 4000 + 2000, $"attempt 1 wrote {last - holedAt} ms after the black hole");

        var done = await system.WaitForStatusAsync(id, "completed", seconds: 60);
        Assert.Equal(1, done.GetProperty("retry_count").GetInt32());
        AssertNoOverlap();
    }

    [Fact]
    public async Task The_agent_enforces_the_timeout_itself_even_on_a_command_that_ignores_sigint_and_sigterm()
    {
        system.StartAgent();
        var command = Writer(prelude: "trap '' INT TERM; ");
        // No retry: that the retry waits for this attempt to be gone is the scheduler's gate, not the agent's.
        var id = await system.CreateAsync(new { name = "stubborn", command, timeout_seconds = 3, max_retries = 0 });
        var first = await WaitForLinesAsync(attempt: 1, count: 1);

        var stopped = await StoppedWritingAsync(attempt: 1);
        // 3 s timeout + 2 x 1 s grace (SIGINT, SIGTERM ignored, then SIGKILL): generous for a loaded machine.
        output.WriteLine($"timeout 3 s: attempt 1 wrote for {stopped - first} ms");
        Assert.InRange(stopped - first, 2500, 3000 + 2000 + 3000);
        var failed = await system.WaitForStatusAsync(id, "failed", seconds: 60);
        Assert.Contains("Timed out after 3 s", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var logs = await system.LogsAsync(id);
        Assert.Contains(logs, l => l.GetProperty("message").GetString()!.Contains("Stopping the command (TimedOut)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_duplicate_dispatch_message_for_a_running_attempt_is_deleted_not_run()
    {
        var queue = new QueueServiceClient(TestStorage.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None })
            .GetQueueClient(system.Host.Prefix + QueueNames.Normal);
        var id = await system.CreateAsync(new { name = "once", command = Writer(seconds: 6, prelude: $"echo $$ >> {_file}.pids; "), max_retries = 0 });
        var message = await Poll.UntilAsync(
            async () => (await queue.PeekMessagesAsync(32)).Value.Select(m => m.MessageText).FirstOrDefault(t => DispatchMessage.TryParse(t)?.TaskId == id),
            text => text is not null, TimeSpan.FromSeconds(20), "the dispatch message");

        var agent = system.StartAgent();
        await WaitForLinesAsync(attempt: 1, count: 2);
        await queue.SendMessageAsync(message);
        await Poll.UntilAsync(() => Task.FromResult(agent.Output), o => o.Any(l => l.Contains("duplicate dispatch message deleted", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the agent to drop the duplicate");

        await system.WaitForStatusAsync(id, "completed", seconds: 30);
        Assert.Single(File.ReadAllLines(_file + ".pids"));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        File.Delete(_file + ".pids");
    }

    [Fact]
    public async Task A_heartbeat_answered_404_registers_again_and_the_command_runs_on()
    {
        var agent = system.StartAgent();
        var id = await system.CreateAsync(new { name = "orphaned row", command = Writer(seconds: 5), max_retries = 0 });
        await WaitForLinesAsync(attempt: 1, count: 2);

        var workers = new TableClient(TestStorage.ConnectionString, system.Host.Prefix + TableNames.Workers);
        await workers.DeleteEntityAsync(agent.WorkerId, WorkerEntity.WorkerRowKey);
        await Poll.UntilAsync(() => Task.FromResult(agent.Output), o => o.Any(l => l.Contains("registering again", StringComparison.Ordinal)), TimeSpan.FromSeconds(15), "the agent to register again");
        var worker = await Poll.UntilAsync(async () => (await system.Api.GetJsonAsync($"workers/{agent.WorkerId}")).Status, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "the worker row to be back");
        Assert.Equal(HttpStatusCode.OK, worker);

        var done = await system.WaitForStatusAsync(id, "completed", seconds: 30);
        Assert.Equal(agent.WorkerId, done.GetProperty("worker_id").GetString());
    }

    [Fact]
    public async Task A_command_that_ignores_sigint_and_sigterm_times_out_and_its_retry_starts_only_after_it_stopped()
    {
        system.StartAgent();
        var id = await system.CreateAsync(new { name = "stubborn", command = "trap '' INT TERM; " + Writer(seconds: 20), timeout_seconds = 2, max_retries = 1 });
        var retryStarted = await WaitForLinesAsync(attempt: 2, count: 1);
        var failed = await system.WaitForStatusAsync(id, "failed", seconds: 60);
        Assert.Contains("Timed out", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        var firstEnded = Lines(1).Max();
        output.WriteLine($"timeout + retry: attempt 1's last line {retryStarted - firstEnded} ms before attempt 2's first");
        Assert.True(firstEnded < retryStarted, $"attempt 2 started {firstEnded - retryStarted} ms before attempt 1 stopped");
    }

    [Fact]
    public async Task Cancel_then_an_immediate_retry_starts_the_retry_only_after_the_first_command_stopped()
    {
        system.StartAgent();
        // Attempt 1 ignores SIGINT and SIGTERM, so stopping it takes the agent's whole grace and then SIGKILL.
        var id = await system.CreateAsync(new { name = "cancel+retry", command = "trap '' INT TERM; " + Writer(seconds: 4), max_retries = 0 });
        await WaitForLinesAsync(attempt: 1, count: 3);

        Assert.Equal(HttpStatusCode.OK, (await system.Api.PostJsonAsync($"tasks/{id}/cancel", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await system.Api.PostJsonAsync($"tasks/{id}/retry", null)).Status);
        var retryStarted = await WaitForLinesAsync(attempt: 2, count: 1);
        await system.WaitForStatusAsync(id, "completed", seconds: 60);

        var firstEnded = Lines(1).Max();
        output.WriteLine($"cancel + retry: attempt 1's last line {retryStarted - firstEnded} ms before attempt 2's first");
        Assert.True(firstEnded < retryStarted, $"attempt 2 started {firstEnded - retryStarted} ms before attempt 1 stopped");
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private List<long> Lines(int attempt) =>
        (File.Exists(_file) ? File.ReadAllLines(_file) : [])
            .Select(l => l.Split(' '))
            .Where(p => p.Length == 2 && p[0] == attempt.ToString(CultureInfo.InvariantCulture))
            .Select(p => long.Parse(p[1], CultureInfo.InvariantCulture))
            .ToList();

    /// <returns>When the attempt wrote its first line (unix ms).</returns>
    private async Task<long> WaitForLinesAsync(int attempt, int count) =>
        (await Poll.UntilAsync(() => Task.FromResult(Lines(attempt)), l => l.Count >= count, TimeSpan.FromSeconds(40), $"attempt {attempt} to write {count} lines"))[0];

    /// <summary>Polls until the attempt has written nothing for 2 s (ten of its periods).</summary>
    /// <returns>When it wrote its last line (unix ms).</returns>
    private async Task<long> StoppedWritingAsync(int attempt)
    {
        var quiet = Stopwatch.StartNew();
        var count = Lines(attempt).Count;
        await Poll.UntilAsync(
            () =>
            {
                var now = Lines(attempt).Count;
                if (now != count)
                {
                    (count, quiet) = (now, Stopwatch.StartNew());
                }

                return Task.FromResult(quiet.Elapsed);
            },
            elapsed => elapsed > TimeSpan.FromSeconds(2),
            TimeSpan.FromSeconds(40),
            $"attempt {attempt} to stop writing");
        return Lines(attempt).Max();
    }

    /// <summary>No second (of the wall clock) holds lines of two attempts.</summary>
    private void AssertNoOverlap()
    {
        var bySecond = File.ReadAllLines(_file)
            .Select(l => l.Split(' '))
            .GroupBy(p => long.Parse(p[1], CultureInfo.InvariantCulture) / 1000)
            .Where(g => g.Select(p => p[0]).Distinct().Count() > 1)
            .Select(g => g.Key)
            .ToList();
        Assert.True(bySecond.Count == 0, $"attempts overlapped in seconds {string.Join(", ", bySecond)}");
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", "--", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
}
