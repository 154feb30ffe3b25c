using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>One latency sample, in milliseconds from the moment <c>POST /tasks</c> returned.</summary>
/// <param name="Claimed">until the fake agent's claim answered 200 (the figure of issue 3).</param>
/// <param name="Queued">until the scheduler logged "queued" (the engine's part: start, PrepareTask, DispatchAttempt).</param>
/// <param name="Received">until the agent received the message (adds the agent's polling wait).</param>
/// <param name="Started">until the task's <c>started_at</c> (set inside the claim; comparable with the real agent).</param>
public sealed record LatencySample(int Index, string TaskId, double Post, double Claimed, double Queued, double Received, double Started);

/// <summary>A latency run: every figure in milliseconds, from <c>POST /tasks</c> returning unless named "A to B".</summary>
public sealed record LatencySummary(
    string Label,
    string Agent,
    int EnginePollingMs,
    int AgentMaxPollMs,
    int Samples,
    int MinIdleMs,
    int MaxIdleMs,
    LatencyStats Post,
    LatencyStats Claimed,
    LatencyStats Queued,
    LatencyStats QueuedToReceived,
    LatencyStats ReceivedToClaimed,
    LatencyStats QueuedToStarted,
    LatencyStats Started,
    int Missed,
    CpuUse? Cpu);

/// <summary>
/// Issue 3's dispatch latency on an idle system: one task at a time with a random idle gap before each, so the
/// engine and the agent have backed off their polling as they would between rare tasks.
/// </summary>
public sealed class LatencyBenchmark(BenchOptions options, ILogger logger)
{
    private const int WarmupTasks = 3;
    private static readonly TimeSpan SampleTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<ClaimedDispatch>> _waiting = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var api = system.Api;
        var agent = new PollingAgent(system, "bench-latency-" + Guid.NewGuid().ToString("N")[..6], options, OnClaimedAsync);
        await agent.RegisterAsync();
        using var stopAgent = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var agentLoop = agent.RunAsync(stopAgent.Token);
        var load = system.StartLoad();
        var deadline = Stopwatch.StartNew();
        var samples = new List<LatencySample>();
        var missed = 0;
        try
        {
            for (var i = -WarmupTasks; i < options.Samples && deadline.Elapsed.TotalSeconds < options.MaxSeconds; i++)
            {
                await Task.Delay(Random.Shared.Next(options.MinIdleMs, options.MaxIdleMs + 1), cancellationToken);
                var sample = await MeasureOneAsync(api, i, cancellationToken);
                if (sample is null)
                {
                    missed++;
                }
                else if (i >= 0)
                {
                    samples.Add(sample);
                    if (samples.Count % 20 == 0)
                    {
                        logger.LogInformation("{Count}/{Samples} samples, last {Claimed:F0} ms", samples.Count, options.Samples, sample.Claimed);
                    }
                }
            }
        }
        finally
        {
            await stopAgent.CancelAsync();
            await agentLoop;
        }

        if (samples.Count < options.Samples)
        {
            logger.LogWarning("Only {Count} of {Samples} samples within {Seconds} s ({Missed} missed)", samples.Count, options.Samples, options.MaxSeconds, missed);
        }

        var summary = new LatencySummary(
            options.Label,
            "bench fake agent",
            options.EnginePollingMs,
            options.MaxPollMs,
            samples.Count,
            options.MinIdleMs,
            options.MaxIdleMs,
            LatencyStats.From(samples.Select(s => s.Post)),
            LatencyStats.From(samples.Select(s => s.Claimed)),
            LatencyStats.From(samples.Select(s => s.Queued)),
            LatencyStats.From(samples.Select(s => s.Received - s.Queued)),
            LatencyStats.From(samples.Select(s => s.Claimed - s.Received)),
            LatencyStats.From(samples.Select(s => s.Started - s.Queued)),
            LatencyStats.From(samples.Select(s => s.Started)),
            missed + agent.Refused,
            load.Stop());
        await Results.WriteAsync(options, options.Label + ".json", summary);
        await Results.WriteCsvAsync(options, options.Label + "-samples.csv", "index,task_id,post_ms,claimed_ms,queued_ms,received_ms,started_ms", samples.Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Index},{s.TaskId},{s.Post:F1},{s.Claimed:F1},{s.Queued:F1},{s.Received:F1},{s.Started:F1}")), cancellationToken);
        logger.LogInformation(
            "{Label}: POST -> claimed p50 {P50:F0} ms, p95 {P95:F0} ms, p99 {P99:F0} ms",
            options.Label, summary.Claimed.P50, summary.Claimed.P95, summary.Claimed.P99);
    }

    private Task OnClaimedAsync(ClaimedDispatch claimed)
    {
        _waiting.GetOrAdd(claimed.TaskId, _ => new TaskCompletionSource<ClaimedDispatch>(TaskCreationOptions.RunContinuationsAsynchronously))
            .TrySetResult(claimed);
        return Task.CompletedTask;
    }

    private async Task<LatencySample?> MeasureOneAsync(HttpClient api, int index, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // The id is known only from the reply, and in principle the claim can beat it: whichever side comes first
        // adds the waiter for the task id, the other finds it.
        var waiter = new TaskCompletionSource<ClaimedDispatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        var taskId = await api.CreateTaskAsync($"latency-{index}");
        var returnedTicks = Stopwatch.GetTimestamp();
        var returnedAt = DateTimeOffset.UtcNow;
        waiter = _waiting.GetOrAdd(taskId, waiter);
        ClaimedDispatch claimed;
        try
        {
            claimed = await waiter.Task.WaitAsync(SampleTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Task {TaskId} was not claimed within {Seconds} s", taskId, SampleTimeout.TotalSeconds);
            return null;
        }
        finally
        {
            _waiting.TryRemove(taskId, out _);
        }

        var task = await api.DataAsync($"tasks/{taskId}");
        var startedAt = DateTimeOffset.Parse(task.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture);
        var queuedAt = await api.QueuedAtAsync(taskId) ?? startedAt;
        return new LatencySample(
            index,
            taskId,
            Stopwatch.GetElapsedTime(started, returnedTicks).TotalMilliseconds,
            Math.Max(0, Stopwatch.GetElapsedTime(returnedTicks, claimed.ClaimedTicks).TotalMilliseconds),
            (queuedAt - returnedAt).TotalMilliseconds,
            (claimed.ReceivedAt - returnedAt).TotalMilliseconds,
            (startedAt - returnedAt).TotalMilliseconds);
    }
}
