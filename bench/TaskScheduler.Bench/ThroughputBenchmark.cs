using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>
/// One throughput run. <see cref="TasksPerSecond"/> counts from the first submission to the last task the system
/// reports done (for tasks: <c>/complete</c> answered; for the bare engine: its orchestration completed);
/// <see cref="DrainedPerSecond"/> to the moment every orchestration had completed (the engine's last step too).
/// <see cref="PostToStarted"/>: from <c>POST /tasks</c> returning to the claim (fake agents) or <c>started_at</c>
/// (real agents), under this load.
/// </summary>
public sealed record ThroughputSummary(
    string Label,
    string What,
    int Tasks,
    int Completed,
    int Workers,
    int Submitters,
    int EnginePollingMs,
    double SubmitSeconds,
    double CompleteSeconds,
    double DrainSeconds,
    double TasksPerSecond,
    double DrainedPerSecond,
    LatencyStats? PostToStarted,
    int Refused,
    CpuUse? Cpu,
    double FirstQuarterPerSecond = double.NaN,
    double LastQuarterPerSecond = double.NaN);

/// <summary>
/// Issue 3's throughput of no-op tasks: <see cref="BenchOptions.Tasks"/> tasks submitted as fast as
/// <see cref="BenchOptions.Submitters"/> concurrent POSTs allow, claimed and completed at once by
/// <see cref="BenchOptions.Agents"/> bench fake agents; create -> queued -> claimed -> completed.
/// </summary>
public sealed class ThroughputBenchmark(BenchOptions options, ILogger logger)
{
    private readonly ConcurrentDictionary<string, long> _completed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _claimed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _created = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var api = system.Api;
        var observer = StoreObserver.Of(options);
        var agents = Enumerable.Range(1, options.Agents)
            .Select(i => new PollingAgent(system, $"bench-tp{i}-{Guid.NewGuid():N}"[..18], options, OnClaimedAsync, OnCompleted))
            .ToList();
        foreach (var agent in agents)
        {
            await agent.RegisterAsync();
        }

        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = agents.Select(agent => agent.RunAsync(stopAgents.Token)).ToList();
        ThroughputSummary summary;
        try
        {
            await WarmUpAsync(api, cancellationToken);
            summary = await MeasureAsync(system, observer, cancellationToken);
        }
        finally
        {
            await stopAgents.CancelAsync();
            await Task.WhenAll(loops);
        }

        summary = summary with { Refused = agents.Sum(a => a.Refused) };

        await Results.WriteAsync(options, options.Label + ".json", summary);
        logger.LogInformation(
            "{Label}: {Completed}/{Tasks} no-op tasks in {Seconds:F1} s = {Rate:F1} tasks/s (orchestrations drained: {Drained:F1}/s)",
            summary.Label, summary.Completed, summary.Tasks, summary.CompleteSeconds, summary.TasksPerSecond, summary.DrainedPerSecond);
    }

    /// <summary>A few tasks first, so JIT and first-use costs are not in the measurement.</summary>
    private async Task WarmUpAsync(HttpClient api, CancellationToken cancellationToken)
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, options.Agents).Select(i => api.CreateTaskAsync($"warmup-{i}")));
        var deadline = Stopwatch.StartNew();
        while (ids.Any(id => !_completed.ContainsKey(id)) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50, cancellationToken);
        }

        _completed.Clear();
        _claimed.Clear();
        _created.Clear();
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
    }

    private async Task<ThroughputSummary> MeasureAsync(BenchSystem system, StoreObserver observer, CancellationToken cancellationToken)
    {
        var api = system.Api;
        var completedBefore = await observer.CountCompletedOrchestrationsAsync(cancellationToken);
        var load = system.StartLoad();
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < options.Tasks)
            {
                var id = await api.CreateTaskAsync($"noop-{index}");
                _created[id] = Stopwatch.GetTimestamp();
            }
        }));
        var submitted = Stopwatch.GetTimestamp();

        var limit = TimeSpan.FromSeconds(options.MaxSeconds);
        while (_completed.Count < options.Tasks && Stopwatch.GetElapsedTime(start) < limit)
        {
            await Task.Delay(20, cancellationToken);
        }

        var lastCompleted = _completed.IsEmpty ? Stopwatch.GetTimestamp() : _completed.Values.Max();
        var remaining = limit - Stopwatch.GetElapsedTime(start);
        var drained = remaining > TimeSpan.Zero
            ? await observer.WaitForCompletedOrchestrationsAsync(completedBefore + options.Tasks, remaining, cancellationToken)
            : null;
        var drainSeconds = drained is null ? double.NaN : Stopwatch.GetElapsedTime(start).TotalSeconds;
        var completeSeconds = Stopwatch.GetElapsedTime(start, lastCompleted).TotalSeconds;
        var claimLatency = _claimed
            .Where(c => _created.ContainsKey(c.Key))
            .Select(c => Stopwatch.GetElapsedTime(_created[c.Key], c.Value).TotalMilliseconds);
        return new ThroughputSummary(
            options.Label,
            "no-op tasks (bench fake agents)",
            options.Tasks,
            _completed.Count,
            options.Agents,
            options.Submitters,
            options.EnginePollingMs,
            Stopwatch.GetElapsedTime(start, submitted).TotalSeconds,
            completeSeconds,
            drainSeconds,
            _completed.Count / completeSeconds,
            options.Tasks / drainSeconds,
            LatencyStats.From(claimLatency),
            0,
            load.Stop());
    }

    private Task OnClaimedAsync(ClaimedDispatch claimed)
    {
        _claimed[claimed.TaskId] = claimed.ClaimedTicks;
        return Task.CompletedTask;
    }

    private void OnCompleted(ClaimedDispatch claimed, long ticks) => _completed[claimed.TaskId] = ticks;
}
