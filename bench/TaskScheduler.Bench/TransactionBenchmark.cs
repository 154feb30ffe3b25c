using Microsoft.Extensions.Logging;
using TaskScheduler.Functions.Orchestrations;

namespace TaskScheduler.Bench;

/// <summary>What the transactions step counted: the background windows, the busy windows, and the cost per task.</summary>
public sealed record TransactionsResult(
    string Label,
    int EnginePollingMs,
    int AgentMaxPollMs,
    int Tasks,
    CountWindow HostIdle,
    CountWindow AgentIdle,
    CountWindow Sequential,
    CountWindow SequentialTimers,
    CountWindow Concurrent,
    Dictionary<string, double> SequentialPerTask,
    Dictionary<string, double> SequentialTimersPerTask,
    Dictionary<string, double> ConcurrentPerTask,
    IReadOnlyList<Phase> Phases,
    CpuUse? Cpu);

/// <summary>
/// A quiet window on its own: SelfHost at some polling interval, with one idle real agent, or with finished tasks;
/// <see cref="Baseline"/> names the result it is compared with, <see cref="Tasks"/> how many tasks the system held.
/// </summary>
public sealed record IdleResult(string Label, string What, int EnginePollingMs, string Baseline, int Tasks, CountWindow Window, CpuUse? Cpu);

/// <summary>One task kept running (see <see cref="PhaseProbe.RunRunningAsync"/>), against the same system's quiet rate.</summary>
public sealed record RunningResult(string Label, RunningCost Running, CountWindow Background, CpuUse? Cpu);

/// <summary>
/// Issue 3's storage transactions per task, engine and app together, through the counting proxy that SelfHost and
/// the bench's fake agent use for every storage call (the bench itself watches Azurite directly, uncounted):
/// SelfHost alone idle; then with an idle fake agent (the background); then <see cref="BenchOptions.TransactionTasks"/>
/// no-op tasks one at a time, and as many at once. Per task = (window - background rate x window length) / tasks.
/// Last, the <see cref="PhaseProbe"/> splits a task's requests by the part of its life that made them. SelfHost runs
/// this step without its reconciliation sweep, whose visits to finished tasks are measured apart (the idle step).
/// </summary>
public sealed class TransactionBenchmark(BenchOptions options, ILogger logger)
{
    /// <summary>
    /// Enough tasks to touch (nearly) every counter shard of the index partitions a no-op task passes through
    /// (16 shards each, picked at random): a long-running process knows their ETags, so the count is of that state,
    /// not of a process's first minute.
    /// </summary>
    private const int WarmupTasks = 60;
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Trailing = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var (api, proxy) = (system.Api, system.Counter);
        var observer = StoreObserver.Of(options);

        logger.LogInformation("Settling {Seconds} s, then SelfHost alone for {Idle} s", options.SettleSeconds, options.HostIdleSeconds);
        await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
        var load = system.StartLoad();
        var hostIdle = await proxy.MeasureAsync("selfhost idle", () => Task.Delay(TimeSpan.FromSeconds(options.HostIdleSeconds), cancellationToken));

        var agent = new PollingAgent(system, "bench-tx-" + Guid.NewGuid().ToString("N")[..6], options, _ => Task.CompletedTask);
        await agent.RegisterAsync();
        using var stopAgent = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var agentLoop = agent.RunAsync(stopAgent.Token);
        CountWindow agentIdle, sequential, timers, concurrent;
        try
        {
            await RunOneAsync(api, observer, "warmup", cancellationToken);
            await RunBurstAsync(api, observer, WarmupTasks, "warmup", cancellationToken);

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            logger.LogInformation("SelfHost with an idle fake agent for {Idle} s", options.IdleSeconds);
            agentIdle = await proxy.MeasureAsync("selfhost + idle fake agent", () => Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds), cancellationToken));

            logger.LogInformation("{Tasks} no-op tasks one at a time", options.TransactionTasks);
            sequential = await proxy.MeasureAsync("one at a time", async () =>
            {
                for (var i = 0; i < options.TransactionTasks; i++)
                {
                    await RunOneAsync(api, observer, $"sequential-{i}", cancellationToken);
                }

                await Task.Delay(Trailing, cancellationToken);
            });

            // Each task's timeout timer was armed for its first check and cannot be withdrawn: its message fires
            // TaskWorkflow.FirstCheckSeconds after the dispatch and the engine visits the finished instance. Counted here, apart.
            var lastTimerDue = TimeSpan.FromSeconds(TaskWorkflow.FirstCheckSeconds + 5) - TimeSpan.FromSeconds(sequential.Seconds / options.TransactionTasks) - Trailing;
            logger.LogInformation("The one-at-a-time tasks' timers, for {Seconds:F0} s", lastTimerDue.TotalSeconds);
            timers = await proxy.MeasureAsync("their timers, later", () => Task.Delay(lastTimerDue, cancellationToken));

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            logger.LogInformation("{Tasks} no-op tasks at once", options.TransactionTasks);
            concurrent = await proxy.MeasureAsync("all at once", () => RunBurstAsync(api, observer, options.TransactionTasks, "burst", cancellationToken));

        }
        finally
        {
            await stopAgent.CancelAsync();
            await agentLoop;
        }

        logger.LogInformation("{Tasks} tasks with the bench as the agent, counted per part of their life", options.ProbeTasks);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var phases = await new PhaseProbe(system, options, observer).RunAsync(options.ProbeTasks, hostIdle, cancellationToken);
        var result = new TransactionsResult(
            options.Label,
            options.EnginePollingMs,
            options.MaxPollMs,
            options.TransactionTasks,
            hostIdle,
            agentIdle,
            sequential,
            timers,
            concurrent,
            sequential.PerTask(agentIdle, options.TransactionTasks),
            timers.PerTask(agentIdle, options.TransactionTasks),
            concurrent.PerTask(agentIdle, options.TransactionTasks),
            phases,
            load.Stop());

        await Results.WriteAsync(options, options.Label + ".json", result);
        logger.LogInformation(
            "Per task, one at a time: {Sequential:F1} storage requests, and {Timers:F1} later for its timer; all at once: {Concurrent:F1} (agent included)",
            result.SequentialPerTask.Values.Sum(), result.SequentialTimersPerTask.Values.Sum(), result.ConcurrentPerTask.Values.Sum());
    }

    /// <summary>
    /// Counts a quiet window of <see cref="BenchOptions.IdleSeconds"/> after <see cref="BenchOptions.SettleSeconds"/>
    /// (start-up, registration); keep it a multiple of the sweeps' intervals (10 s and 60 s) so each is in it as often.
    /// </summary>
    public async Task RunIdleAsync(string what, CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var observer = StoreObserver.Of(options);
        logger.LogInformation("Settling {Seconds} s, then counting {What} for {Idle} s", options.SettleSeconds, what, options.IdleSeconds);
        await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
        var load = system.StartLoad();
        var window = await system.Counter.MeasureAsync(what, () => Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds), cancellationToken));
        var tasks = (await observer.GetAllTasksAsync(cancellationToken)).Count;
        await Results.WriteAsync(options, options.Label + ".json", new IdleResult(options.Label, what, options.EnginePollingMs, options.Baseline, tasks, window, load.Stop()));
        logger.LogInformation("{What}: {Rate:F0} storage requests per minute", what, window.Total * 60 / window.Seconds);
    }

    /// <summary>The system's quiet rate, then one task kept running for <see cref="BenchOptions.RunningSeconds"/>.</summary>
    public async Task RunRunningAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var observer = StoreObserver.Of(options);
        var shortTask = (await observer.GetAllTasksAsync(cancellationToken)).FirstOrDefault(t => t.Status == "completed")?.Id
            ?? throw new InvalidOperationException("The running step compares with a finished task: run it on a system that has one.");
        await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
        var load = system.StartLoad();
        logger.LogInformation("Quiet for {Idle} s, then one task running for {Seconds} s, heart-beaten every 10 s", options.IdleSeconds, options.RunningSeconds);
        var background = await system.Counter.MeasureAsync("quiet", () => Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds), cancellationToken));
        var running = await new PhaseProbe(system, options, observer).RunRunningAsync(TimeSpan.FromSeconds(options.RunningSeconds), background, shortTask, cancellationToken);
        await Results.WriteAsync(options, options.Label + ".json", new RunningResult(options.Label, running, background, load.Stop()));
        logger.LogInformation("A running task: {Rate:F1} storage requests per minute; history {Rows} rows", running.PerMinute.Values.Sum(), running.HistoryRows);
    }

    private static async Task<string> RunOneAsync(HttpClient api, StoreObserver observer, string name, CancellationToken cancellationToken)
    {
        var id = await api.CreateTaskAsync(name);
        await observer.WaitForOrchestrationAsync(id, TaskTimeout, cancellationToken);
        return id;
    }

    private async Task RunBurstAsync(HttpClient api, StoreObserver observer, int tasks, string name, CancellationToken cancellationToken)
    {
        var before = await observer.CountCompletedOrchestrationsAsync(cancellationToken);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < tasks)
            {
                await api.CreateTaskAsync($"{name}-{index}");
            }
        }));
        if (await observer.WaitForCompletedOrchestrationsAsync(before + tasks, TimeSpan.FromSeconds(options.MaxSeconds), cancellationToken) is null)
        {
            throw new TimeoutException($"{tasks} orchestrations did not complete within {options.MaxSeconds} s.");
        }

        await Task.Delay(Trailing, cancellationToken);
    }
}
