using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>
/// Issue 4's figures with the real agent (src/WorkerAgent processes the script starts): end-to-end throughput of
/// <c>true</c> tasks, and dispatch latency on an idle system, read from the scheduler's own <c>started_at</c>
/// (set inside the claim). The bench reads the tasks table directly, so watching adds no API load.
/// </summary>
public sealed class RealAgentBenchmark(BenchOptions options, ILogger logger)
{
    private static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(30);

    public async Task RunThroughputAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var api = system.Api;
        var observer = StoreObserver.Of(options);
        await WaitForWorkersAsync(api, observer, cancellationToken);

        var completedBefore = await observer.CountCompletedOrchestrationsAsync(cancellationToken);
        var load = system.StartLoad();
        var startedAt = DateTimeOffset.UtcNow;
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        var posted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < options.Tasks)
            {
                if (options.Rate > 0)
                {
                    var due = TimeSpan.FromSeconds(index / options.Rate) - Stopwatch.GetElapsedTime(start);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }

                var id = await api.CreateTaskAsync($"true-{index}");
                lock (posted)
                {
                    posted[id] = DateTimeOffset.UtcNow;
                }
            }
        }));
        var submitSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        IReadOnlyList<TaskTimes> tasks = [];
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < options.MaxSeconds)
        {
            // Each look reads the whole tasks table from Azurite: rarely enough not to load the emulator it measures.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            tasks = (await observer.GetAllTasksAsync(cancellationToken)).Where(t => posted.ContainsKey(t.Id)).ToList();
            if (tasks.Count(t => t.Status is "completed" or "failed" or "cancelled") >= options.Tasks)
            {
                break;
            }
        }

        var done = tasks.Where(t => t.Status == "completed" && t.CompletedAt is not null).ToList();
        var completeSeconds = done.Count == 0 ? double.NaN : (done.Max(t => t.CompletedAt!.Value) - startedAt).TotalSeconds;
        var remaining = TimeSpan.FromSeconds(Math.Max(1, options.MaxSeconds - Stopwatch.GetElapsedTime(start).TotalSeconds));
        var drained = await observer.WaitForCompletedOrchestrationsAsync(completedBefore + options.Tasks, remaining, cancellationToken);
        var summary = new ThroughputSummary(
            options.Label,
            options.Rate > 0
                ? $"`true` tasks, {options.RealAgents} real agent(s) x {options.Slots} slots, offered at {options.Rate:0.#}/s"
                : $"`true` tasks, {options.RealAgents} real agent(s) x {options.Slots} slots, posted at once",
            options.Tasks,
            done.Count,
            options.RealAgents,
            options.Submitters,
            options.EnginePollingMs,
            submitSeconds,
            completeSeconds,
            drained is null ? double.NaN : (drained.Value - startedAt).TotalSeconds,
            done.Count / completeSeconds,
            drained is null ? double.NaN : options.Tasks / (drained.Value - startedAt).TotalSeconds,
            LatencyStats.From(done.Where(t => t.StartedAt is not null).Select(t => (t.StartedAt!.Value - posted[t.Id]).TotalMilliseconds)),
            tasks.Count(t => t.Status != "completed"),
            load.Stop(),
            QuarterRate(done, startedAt, first: true),
            QuarterRate(done, startedAt, first: false));
        await Results.WriteAsync(options, options.Label + ".json", summary);
        logger.LogInformation(
            "{Label}: {Done}/{Tasks} tasks in {Seconds:F1} s = {Rate:F1} tasks/s (first quarter {First:F1}/s, last quarter {Last:F1}/s)",
            options.Label, done.Count, options.Tasks, completeSeconds, summary.TasksPerSecond, summary.FirstQuarterPerSecond, summary.LastQuarterPerSecond);
    }

    /// <summary>
    /// Completions per second of the first quarter of the tasks (from the first submission to the quarter's last
    /// completion) or of the last quarter (from the completion before it to the last): does the system slow down as
    /// work accumulates?
    /// </summary>
    private static double QuarterRate(IReadOnlyList<TaskTimes> done, DateTimeOffset startedAt, bool first)
    {
        var ends = done.Select(t => t.CompletedAt!.Value).Order().ToList();
        var quarter = ends.Count / 4;
        if (quarter == 0)
        {
            return double.NaN;
        }

        var (from, to) = first ? (startedAt, ends[quarter - 1]) : (ends[ends.Count - quarter - 1], ends[^1]);
        return quarter / Math.Max(0.001, (to - from).TotalSeconds);
    }

    public async Task RunLatencyAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var api = system.Api;
        var observer = StoreObserver.Of(options);
        await WaitForWorkersAsync(api, observer, cancellationToken);

        var load = system.StartLoad();
        var samples = new List<LatencySample>();
        var missed = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < options.Samples && clock.Elapsed.TotalSeconds < options.MaxSeconds; i++)
        {
            await Task.Delay(Random.Shared.Next(options.MinIdleMs, options.MaxIdleMs + 1), cancellationToken);
            var sample = await MeasureOneAsync(api, observer, i, cancellationToken);
            if (sample is null)
            {
                missed++;
                continue;
            }

            samples.Add(sample);
            if (samples.Count % 20 == 0)
            {
                logger.LogInformation("{Count}/{Samples} samples, last {Started:F0} ms", samples.Count, options.Samples, sample.Started);
            }
        }

        var nan = LatencyStats.From([]);
        var summary = new LatencySummary(
            options.Label,
            $"real agent ({options.RealAgents} x {options.Slots} slots)",
            options.EnginePollingMs,
            options.MaxPollMs,
            samples.Count,
            options.MinIdleMs,
            options.MaxIdleMs,
            LatencyStats.From(samples.Select(s => s.Post)),
            nan,
            LatencyStats.From(samples.Select(s => s.Queued)),
            nan,
            nan,
            LatencyStats.From(samples.Select(s => s.Started - s.Queued)),
            LatencyStats.From(samples.Select(s => s.Started)),
            missed,
            load.Stop());
        await Results.WriteAsync(options, options.Label + ".json", summary);
        await Results.WriteCsvAsync(options, options.Label + "-samples.csv", "index,task_id,post_ms,queued_ms,started_ms", samples.Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Index},{s.TaskId},{s.Post:F1},{s.Queued:F1},{s.Started:F1}")), cancellationToken);
        logger.LogInformation(
            "{Label}: POST -> started_at p50 {P50:F0} ms, p95 {P95:F0} ms, p99 {P99:F0} ms",
            options.Label, summary.Started.P50, summary.Started.P95, summary.Started.P99);
    }

    private async Task<LatencySample?> MeasureOneAsync(HttpClient api, StoreObserver observer, int index, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var id = await api.CreateTaskAsync($"latency-{index}");
        var postMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var returnedAt = DateTimeOffset.UtcNow;
        var waited = Stopwatch.StartNew();
        TaskTimes? task = null;
        while (waited.Elapsed < SampleTimeout && task?.StartedAt is null)
        {
            await Task.Delay(20, cancellationToken);
            task = await observer.GetTaskAsync(id, cancellationToken);
        }

        if (task?.StartedAt is not { } startedAt)
        {
            logger.LogWarning("Task {TaskId} did not start within {Seconds} s", id, SampleTimeout.TotalSeconds);
            return null;
        }

        // Let the run finish before the next idle gap, so every sample starts from a quiet system.
        while (waited.Elapsed < SampleTimeout && task is { Status: not ("completed" or "failed") })
        {
            await Task.Delay(50, cancellationToken);
            task = await observer.GetTaskAsync(id, cancellationToken);
        }

        var queuedAt = await api.QueuedAtAsync(id) ?? startedAt;
        var started = (startedAt - returnedAt).TotalMilliseconds;
        return new LatencySample(index, id, postMs, started, (queuedAt - returnedAt).TotalMilliseconds, double.NaN, started);
    }

    /// <summary>The script starts the agents just before this step: wait until they registered (at most a minute).</summary>
    private async Task WaitForWorkersAsync(HttpClient api, StoreObserver observer, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (await api.CountWorkersAsync() < options.RealAgents)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{options.RealAgents} agents did not register within 60 s.");
            }

            await Task.Delay(250, cancellationToken);
        }

        // One task through first, so the measured ones find the whole path warm.
        var warmup = await api.CreateTaskAsync("warmup");
        while (clock.Elapsed < TimeSpan.FromSeconds(90) && (await observer.GetTaskAsync(warmup, cancellationToken))?.Status != "completed")
        {
            await Task.Delay(100, cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
    }
}
