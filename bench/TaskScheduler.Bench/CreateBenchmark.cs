using System.Diagnostics;
using System.Globalization;
using System.Net;
using TaskScheduler.TestSupport;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>One create run: how fast the API takes tasks, and how long each <c>POST /tasks</c> took.</summary>
public sealed record CreateSummary(
    string Label,
    int Requests,
    int Created,
    int Refused,
    int Clients,
    double Seconds,
    double CreatesPerSecond,
    LatencyStats Latency,
    CpuUse? Cpu);

/// <summary>
/// Issue 12's create figure: <see cref="BenchOptions.Tasks"/> no-op tasks created by
/// <see cref="BenchOptions.Submitters"/> concurrent clients, each sending its next POST when the last one
/// answered (closed loop), no agent running. Latency is per request, from send to answer; the rate counts from the
/// first send to the last answer. Each create starts its task's orchestration too, so the engine works beside it.
/// </summary>
public sealed class CreateBenchmark(BenchOptions options, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var api = system.Api;
        for (var i = 0; i < 20; i++)
        {
            await api.CreateTaskAsync($"create-warmup-{i}");
        }

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var load = system.StartLoad();
        var latencies = new double[options.Tasks];
        var outcome = new bool[options.Tasks];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < options.Tasks)
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var (status, body) = await api.PostJsonAsync("tasks", new { name = $"create-{index}", command = "true", max_retries = 0 });
                    outcome[index] = status == HttpStatusCode.Created;
                    if (!outcome[index])
                    {
                        logger.LogWarning("create {Index} refused: {Status} {Body}", index, (int)status, body);
                    }
                }
                catch (HttpRequestException ex)
                {
                    logger.LogWarning("create {Index} failed: {Message}", index, ex.Message);
                }
                catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // The client's timeout: counted as a create that failed (its latency is the timeout), not the end of the run.
                    logger.LogWarning("create {Index} timed out: {Message}", index, ex.Message);
                }

                latencies[index] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var created = outcome.Count(ok => ok);
        var summary = new CreateSummary(
            options.Label,
            options.Tasks,
            created,
            options.Tasks - created,
            options.Submitters,
            seconds,
            created / seconds,
            LatencyStats.From(latencies),
            load.Stop());
        await Results.WriteAsync(options, options.Label + ".json", summary);
        await Results.WriteCsvAsync(options, options.Label + ".csv", "index,ms,created", latencies.Select((ms, i) => string.Create(CultureInfo.InvariantCulture, $"{i},{ms:F1},{outcome[i]}")), cancellationToken);
        logger.LogInformation(
            "{Label}: {Created}/{Requests} created in {Seconds:F1} s = {Rate:F1} creates/s, p50 {P50:F0} ms, p99 {P99:F0} ms",
            options.Label, created, options.Tasks, seconds, summary.CreatesPerSecond, summary.Latency.P50, summary.Latency.P99);
    }
}
