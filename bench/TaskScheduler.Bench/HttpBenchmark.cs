using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>
/// Measures SelfHost over real HTTP: each listing scenario as sequential requests after a warm-up, then creates at
/// a steady open-loop rate. Open loop: sends follow a fixed timeline whatever the replies do, and a request's
/// latency counts from its scheduled send time, so a slow server cannot hide its queueing (coordinated omission).
/// </summary>
public sealed partial class HttpBenchmark(BenchOptions options, ILogger logger)
{
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private BenchSystem _system = null!;
    private HttpClient _client = null!;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var names = options.Scenario.Length == 0 ? ListScenarios.HttpNames.ToList() : [options.Scenario];
        foreach (var name in names)
        {
            // A fresh SelfHost per scenario. The seeded tasks never went through the API: none has an orchestration and
            // their worker never registered, so the sweeps' first tick is put beyond a scenario's life.
            await using var system = await BenchSystem.StartAsync(
                options, logger, cancellationToken, true, "SweepLostWorkersSchedule=0 */10 * * * *", "ReconcileTasksSchedule=0 0 * * * *");

            // One client per scenario, no retries and no resilience handler on purpose: a failure is a data point here.
            using var client = system.Host!.CreateClient($"ApiKey {system.Host.AdminKey}");
            client.Timeout = TimeSpan.FromSeconds(60);
            (_system, _client) = (system, client);
            if (name == ListScenarios.Create)
            {
                await Results.WriteAsync(options, Results.Create, await RunCreateAsync(cancellationToken));
                continue;
            }

            var scenario = ListScenarios.All.FirstOrDefault(s => s.Name == name)
                ?? throw new ArgumentException($"Unknown scenario '{name}'; known: {string.Join(", ", ListScenarios.HttpNames)}.");
            await Results.WriteAsync(options, ListScenarios.ResultFile(name), await RunListAsync(scenario.Name, scenario.Query, cancellationToken));
        }
    }

    private async Task<ListScenarioResult> RunListAsync(string name, string query, CancellationToken cancellationToken)
    {
        var url = "tasks" + (query.Length == 0 ? string.Empty : "?" + query);
        LogListStarting(logger, name, url, options.ListWarmup, options.ListRequests);
        var warmup = Stopwatch.StartNew();
        var warmed = 0;
        while (warmed < options.ListWarmup && (warmed == 0 || warmup.Elapsed.TotalSeconds < options.ListWarmupMaxSeconds))
        {
            await GetListAsync(url, cancellationToken);
            warmed++;
        }

        // What SelfHost and Azurite burn with no request at all (the durable engine polls its queues).
        var idle = _system.StartLoad();
        await Task.Delay(TimeSpan.FromSeconds(options.ListIdleSeconds), cancellationToken);
        var idleShare = idle.Stop();

        var samples = new List<ListSample>(options.ListRequests);
        var cpu = _system.StartLoad();
        var clock = Stopwatch.StartNew();
        var stoppedEarly = false;
        for (var i = 0; i < options.ListRequests; i++)
        {
            if (clock.Elapsed.TotalSeconds > options.ListMaxSeconds)
            {
                stoppedEarly = true;
                LogStoppedEarly(logger, name, i, options.ListMaxSeconds);
                break;
            }

            samples.Add(await GetListAsync(url, cancellationToken));
        }

        clock.Stop();
        var share = cpu.Stop();
        var ok = samples.Where(s => s.Status == 200).ToList();
        await Results.WriteCsvAsync(
            options,
            $"http-list-{name}.csv",
            "request,status,latency_ms,items,total",
            samples.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"{i},{s.Status},{s.Milliseconds:F3},{s.Items},{s.Total}")),
            cancellationToken);
        var result = new ListScenarioResult(
            name,
            query,
            warmed,
            options.ListRequests,
            samples.Count - ok.Count,
            clock.Elapsed.TotalSeconds,
            stoppedEarly,
            ok.Count > 0 ? ok[^1].Items : 0,
            ok.Count > 0 ? ok[^1].Total : 0,
            LatencyStats.From(samples.Select(s => s.Milliseconds)),
            share,
            idleShare);
        LogListDone(logger, name, result.Latency.Count, result.Latency.P50, result.Latency.P99, result.Latency.Max, result.Errors, Report.Percent(share, "azurite"), Report.Percent(share, "selfhost"), (share?.OtherCores ?? double.NaN) * 100);
        return result;
    }

    /// <summary>One listing; the timer covers sending and reading the whole body, not parsing it.</summary>
    private async Task<ListSample> GetListAsync(string url, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            return new ListSample((int)response.StatusCode, elapsed, 0, 0);
        }

        using var json = JsonDocument.Parse(body);
        return new ListSample(
            200,
            elapsed,
            json.RootElement.GetProperty("data").GetArrayLength(),
            json.RootElement.GetProperty("meta").GetProperty("total").GetInt64());
    }

    private async Task<CreateResult> RunCreateAsync(CancellationToken cancellationToken)
    {
        var random = new Random(7);
        LogCreateStarting(logger, options.CreateRate, options.CreateSeconds, options.CreateWarmup);
        var sequential = new List<double>(options.CreateWarmup);
        for (var i = 0; i < options.CreateWarmup; i++)
        {
            var sample = await PostCreateAsync(CreateBody(random, "warmup", i), Stopwatch.GetTimestamp(), cancellationToken);
            sequential.Add(Ms(sample.DoneAt - sample.SentAt));
        }

        var count = options.CreateRate * options.CreateSeconds;
        var bodies = Enumerable.Range(0, count).Select(i => CreateBody(random, "open-loop", i)).ToArray();
        var sends = new Task<CreateSample>[count];

        var cpu = _system.StartLoad();

        // Start a little ahead so the first due times are not already in the past.
        var origin = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
        for (var i = 0; i < count; i++)
        {
            var due = origin + (long)((double)i * Stopwatch.Frequency / options.CreateRate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            // Not awaited: the next send keeps its time whatever this one does.
            sends[i] = PostCreateAsync(bodies[i], due, cancellationToken);
        }

        var samples = await Task.WhenAll(sends);
        var share = cpu.Stop();
        foreach (var (reason, times) in _failures)
        {
            LogCreateFailed(logger, times, reason);
        }

        var lastSent = samples.Max(s => s.SentAt);
        var lastDone = samples.Max(s => s.DoneAt);
        var ok = samples.Where(s => s.Status == 201).ToList();
        await Results.WriteCsvAsync(
            options,
            "http-create.csv",
            "request,due_ms,send_lag_ms,latency_ms,service_ms,status",
            samples.Select((s, i) => string.Create(
                CultureInfo.InvariantCulture,
                $"{i},{Ms(s.Due - origin):F3},{Ms(s.SentAt - s.Due):F3},{Ms(s.DoneAt - s.Due):F3},{Ms(s.DoneAt - s.SentAt):F3},{s.Status}")),
            cancellationToken);
        var result = new CreateResult(
            options.CreateRate,
            options.CreateSeconds,
            count,
            ok.Count,
            count - ok.Count,
            samples.GroupBy(s => s.Status.ToString(CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            (count - 1) / Ms(lastSent - samples[0].SentAt) * 1000,
            ok.Count / Ms(lastDone - origin) * 1000,
            samples.Max(s => Ms(s.SentAt - s.Due)),
            LatencyStats.From(samples.Select(s => Ms(s.DoneAt - s.Due))),
            LatencyStats.From(samples.Select(s => Ms(s.DoneAt - s.SentAt))),
            LatencyStats.From(sequential),
            share);
        LogCreateDone(logger, result.SendRate, result.CompletionRate, result.Latency.P50, result.Latency.P99, result.Latency.Max, result.Errors, Report.Percent(share, "azurite"), Report.Percent(share, "selfhost"), (share?.OtherCores ?? double.NaN) * 100);
        return result;
    }

    /// <summary>
    /// One create. Transport failures and timeouts are recorded as status 0 (their latency is the time the client
    /// waited), not thrown: they are results.
    /// </summary>
    private async Task<CreateSample> PostCreateAsync(byte[] body, long due, CancellationToken cancellationToken)
    {
        var sentAt = Stopwatch.GetTimestamp();
        int status;
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _client.PostAsync("tasks", content, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException ex)
        {
            _failures.AddOrUpdate(ex.Message, 1, (_, n) => n + 1);
            status = 0;
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            _failures.AddOrUpdate(ex.Message, 1, (_, n) => n + 1);
            status = 0;
        }

        return new CreateSample(due, sentAt, Stopwatch.GetTimestamp(), status);
    }

    /// <summary>A create as a client would send it: the seed's mix of priorities and tags, pending (no schedule).</summary>
    private static byte[] CreateBody(Random random, string kind, int i) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["name"] = string.Create(CultureInfo.InvariantCulture, $"bench-{kind}-{i}"),
        ["command"] = "echo bench",
        ["priority"] = random.Next(1, 11),
        ["tags"] = SeedPlan.PickTags(random),
    });

    private static double Ms(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "List '{Scenario}' GET {Url}: {Warmup} warm-up, then {Requests} sequential requests")]
    private static partial void LogListStarting(ILogger logger, string scenario, string url, int warmup, int requests);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "List '{Scenario}' stopped after {Requests} requests: the {Seconds} s budget is spent")]
    private static partial void LogStoppedEarly(ILogger logger, string scenario, int requests, int seconds);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "List '{Scenario}': n={Count} p50={P50:F1} ms p99={P99:F1} ms max={Max:F1} ms errors={Errors}; CPU (% of a core): Azurite {AzuriteCpu:F0}, SelfHost {SelfHostCpu:F0}, other processes {OtherCpu:F0}")]
    private static partial void LogListDone(ILogger logger, string scenario, int count, double p50, double p99, double max, int errors, double azuriteCpu, double selfHostCpu, double otherCpu);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Create: {Rate}/s open loop for {Seconds} s after {Warmup} sequential warm-up creates")]
    private static partial void LogCreateStarting(ILogger logger, int rate, int seconds, int warmup);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "Create: sent {SendRate:F1}/s, completed {CompletionRate:F1}/s, p50={P50:F1} ms p99={P99:F1} ms max={Max:F1} ms errors={Errors}; CPU (% of a core): Azurite {AzuriteCpu:F0}, SelfHost {SelfHostCpu:F0}, other processes {OtherCpu:F0}")]
    private static partial void LogCreateDone(ILogger logger, double sendRate, double completionRate, double p50, double p99, double max, int errors, double azuriteCpu, double selfHostCpu, double otherCpu);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "{Count} creates failed: {Reason}")]
    private static partial void LogCreateFailed(ILogger logger, int count, string reason);

    private sealed record ListSample(int Status, double Milliseconds, int Items, long Total);

    private sealed record CreateSample(long Due, long SentAt, long DoneAt, int Status);
}
