using System.Diagnostics;
using System.Globalization;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskScheduler.Functions.Orchestrations;
using TaskScheduler.SelfHost.Durable;

namespace TaskScheduler.Bench;

/// <summary>What the engine alone spent per attempt-shaped orchestration, one at a time, and later for its timer.</summary>
public sealed record EngineTransactionsResult(
    string Label,
    int EnginePollingMs,
    int Instances,
    CountWindow Idle,
    CountWindow Sequential,
    CountWindow Timers,
    Dictionary<string, double> SequentialPerInstance,
    Dictionary<string, double> TimersPerInstance);

/// <summary>
/// The yardstick of the throughput ratio: a trivial one-activity orchestration on the same engine, hosted the same
/// way as SelfHost hosts it — SelfHost's own <see cref="DurableSidecarHost"/> (Azure Storage provider, same
/// settings: one partition, the same polling cap, no app lease) behind the gRPC sidecar, with the Durable Task
/// worker and client connected over its Unix socket — on the same Azurite, in this process.
/// </summary>
public sealed class EngineBaseline(BenchOptions options, ILogger logger)
{
    public Task RunAsync(CancellationToken cancellationToken) => HostAsync(async (system, client) =>
    {
        var observer = StoreObserver.Of(options);
        await RunInstancesAsync(system, client, observer, "warmup", options.Submitters, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var summary = await RunInstancesAsync(system, client, observer, "run", options.Tasks, cancellationToken);
        await Results.WriteAsync(options, options.Label + ".json", summary);
        logger.LogInformation(
            "{Label}: {Count} trivial orchestrations in {Seconds:F1} s = {Rate:F1}/s",
            summary.Label, summary.Completed, summary.CompleteSeconds, summary.TasksPerSecond);
    }, cancellationToken);

    /// <summary>
    /// The engine's share of a task, alone: <see cref="BenchOptions.TransactionTasks"/> instances of
    /// <see cref="AttemptShapeOrchestration"/> (what a dispatched no-op task's orchestration does: arm the first-check
    /// timer, wait for the end event, finish) one at a time, each raised <see cref="AgentDelay"/> after its start, the
    /// engine's storage calls counted through the proxy (<see cref="BenchOptions.HubStorage"/>), then their
    /// timers firing later; background (the engine idle) subtracted. No app code runs: this is the floor under the
    /// engine + app figure of the transactions step.
    /// </summary>
    public Task RunTransactionsAsync(CancellationToken cancellationToken) => HostAsync(async (system, client) =>
    {
        var proxy = system.Counter;
        var observer = StoreObserver.Of(options);
        for (var i = 0; i < 3; i++)
        {
            await RunAttemptAsync(client, observer, $"warmup-{i}", cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var idle = await proxy.MeasureAsync("engine idle", () => Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds), cancellationToken));
        var sequential = await proxy.MeasureAsync("one at a time", async () =>
        {
            for (var i = 0; i < options.TransactionTasks; i++)
            {
                await RunAttemptAsync(client, observer, $"attempt-{i}", cancellationToken);
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        });
        var timers = await proxy.MeasureAsync("their timers, later", () => Task.Delay(TimeSpan.FromSeconds(TaskWorkflow.FirstCheckSeconds + 3), cancellationToken));
        var result = new EngineTransactionsResult(
            options.Label,
            options.EnginePollingMs,
            options.TransactionTasks,
            idle,
            sequential,
            timers,
            sequential.PerTask(idle, options.TransactionTasks),
            timers.PerTask(idle, options.TransactionTasks));
        await Results.WriteAsync(options, options.Label + ".json", result);
        logger.LogInformation(
            "The engine alone, per attempt-shaped orchestration one at a time: {Sequential:F1} storage requests, and {Timers:F1} later for its timer",
            result.SequentialPerInstance.Values.Sum(), result.TimersPerInstance.Values.Sum());
    }, cancellationToken);

    /// <summary>About as long as a fake agent takes from the dispatch to its end report (claim, no-op, complete).</summary>
    private static readonly TimeSpan AgentDelay = TimeSpan.FromMilliseconds(150);

    private static async Task RunAttemptAsync(DurableTaskClient client, StoreObserver observer, string id, CancellationToken cancellationToken)
    {
        await client.ScheduleNewOrchestrationInstanceAsync(nameof(AttemptShapeOrchestration), TaskWorkflow.FirstCheckSeconds, new StartOrchestrationOptions(InstanceId: id), cancellationToken);
        await Task.Delay(AgentDelay, cancellationToken);

        // As in the app, the end comes after the first episode (an end raised before it is discarded by the provider).
        await observer.WaitForOrchestrationAsync(id, TimeSpan.FromSeconds(30), cancellationToken, "Running");

        await client.RaiseEventAsync(id, AttemptShapeOrchestration.EndEvent, 1, cancellationToken);
        await observer.WaitForOrchestrationAsync(id, TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>
    /// SelfHost's engine in this process, wired by SelfHost's own <see cref="DurableServiceCollectionExtensions.AddDurableEngine"/>
    /// with the bench's orchestrations added, on the task hub's emulator (through the proxy with <see cref="BenchOptions.Proxy"/>).
    /// </summary>
    private async Task HostAsync(Func<BenchSystem, DurableTaskClient, Task> run, CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken, selfHost: false);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = system.HubConnection,
            ["TaskHubName"] = options.HubName,
            [$"{DurableEngineOptions.SectionName}:MaxQueuePollingIntervalMs"] = options.EnginePollingMs.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableEngine();
        builder.Services.AddDurableTaskWorker(worker => worker.AddTasks(registry => registry
            .AddOrchestrator<TrivialOrchestration>()
            .AddActivity<NoOpActivity>()
            .AddOrchestrator<AttemptShapeOrchestration>()));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            await run(system, host.Services.GetRequiredService<DurableTaskClient>());
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private async Task<ThroughputSummary> RunInstancesAsync(BenchSystem system, DurableTaskClient client, StoreObserver observer, string name, int count, CancellationToken cancellationToken)
    {
        var before = await observer.CountCompletedOrchestrationsAsync(cancellationToken);
        var load = system.StartLoad();
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    nameof(TrivialOrchestration),
                    index,
                    new StartOrchestrationOptions(InstanceId: $"{name}-{index:D5}"),
                    cancellationToken);
            }
        }));
        var submitted = Stopwatch.GetTimestamp();
        var done = await observer.WaitForCompletedOrchestrationsAsync(before + count, TimeSpan.FromSeconds(options.MaxSeconds), cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var completed = done is null ? await observer.CountCompletedOrchestrationsAsync(cancellationToken) - before : count;
        return new ThroughputSummary(
            options.Label,
            "trivial one-activity orchestration (bare engine)",
            count,
            completed,
            0,
            options.Submitters,
            options.EnginePollingMs,
            Stopwatch.GetElapsedTime(start, submitted).TotalSeconds,
            seconds,
            seconds,
            completed / seconds,
            completed / seconds,
            null,
            0,
            load.Stop());
    }
}
