using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskScheduler.Bench;

/// <summary>How the steps hand their results to the report: one JSON file each in the results folder.</summary>
public static class Results
{
    public const string Seed = "seed.json";
    public const string Probe = "storage-calls.json";
    public const string Create = "http-create.json";
    public const string Consistency = "consistency.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes a step's result; not cancellable, so a step stopped at its end still leaves it.</summary>
    public static async Task WriteAsync<T>(BenchOptions options, string fileName, T value)
    {
        Directory.CreateDirectory(options.Results);
        await using var file = File.Create(options.ResultPath(fileName));
        await JsonSerializer.SerializeAsync(file, value, Json);
    }

    public static T? Read<T>(BenchOptions options, string fileName)
        where T : class
    {
        var path = options.ResultPath(fileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : null;
    }

    /// <summary>Every result of one kind in the folder, e.g. <c>latency-*.json</c>, by name.</summary>
    public static IEnumerable<(string Name, T Value)> ReadAll<T>(BenchOptions options, string pattern)
        where T : class =>
        Directory.Exists(options.Results)
            ? Directory.GetFiles(options.Results, pattern).Order(StringComparer.Ordinal)
                .Select(path => (Path.GetFileNameWithoutExtension(path), Read<T>(options, Path.GetFileName(path))))
                .Where(x => x.Item2 is not null)
                .Select(x => (x.Item1, x.Item2!))
            : [];

    /// <summary>Raw samples, one line each, for anyone who wants to plot or recompute.</summary>
    public static async Task WriteCsvAsync(BenchOptions options, string fileName, string header, IEnumerable<string> lines, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(options.Results);
        await File.WriteAllLinesAsync(options.ResultPath(fileName), [header, .. lines], cancellationToken);
    }
}

/// <summary>What <c>seed</c> did.</summary>
public sealed record SeedResult(
    int Tasks,
    int Concurrency,
    double Seconds,
    double InsertMeanMs,
    double MoveMeanMs,
    long StorageRequests,
    long IndexRows,
    IReadOnlyDictionary<string, int> Statuses,
    IReadOnlyDictionary<string, int> Tags,
    string RareTag,
    IReadOnlyDictionary<string, long> CountersRead,
    bool CountersMatch,
    CpuUse? Cpu);

/// <summary>The storage calls one listing makes, measured in-process through <c>TaskRepository.ListAsync</c>.</summary>
public sealed record ProbeScenarioResult(
    string Name,
    string Query,
    int Repeats,
    double CallsPerListing,
    IReadOnlyDictionary<string, double> CallsByKind,
    IReadOnlyDictionary<string, double> MedianMsByKind,
    int Items,
    long Total,
    LatencyStats InProcess);

/// <summary>
/// <see cref="Scenarios"/> on the seeded data; <see cref="Isolated"/>: one call of each kind at a time (a
/// <c>status=pending&amp;limit=1</c> listing, whose three rounds are one call each) on the seeded data and on the small
/// control set, so queueing inside the emulator does not blur a call's own cost; <see cref="SmallDefault"/>: the
/// default listing on the small set.
/// </summary>
public sealed record ProbeResult(
    IReadOnlyList<ProbeScenarioResult> Scenarios,
    ProbeScenarioResult Isolated,
    ProbeScenarioResult SmallIsolated,
    ProbeScenarioResult SmallDefault,
    int SmallTasks);

/// <summary>One sequential <c>GET /api/tasks</c> scenario over HTTP.</summary>
public sealed record ListScenarioResult(
    string Name,
    string Query,
    int Warmup,
    int Planned,
    int Errors,
    double Seconds,
    bool StoppedEarly,
    int ItemsPerPage,
    long Total,
    LatencyStats Latency,
    CpuUse? Cpu,
    CpuUse? IdleCpu);

/// <summary>
/// The open-loop <c>POST /api/tasks</c> run. Latency counts from each request's scheduled send time; service time
/// from its actual send. <see cref="SequentialWarmup"/>: the warm-up creates, one at a time (no queueing).
/// </summary>
public sealed record CreateResult(
    int TargetRate,
    int Seconds,
    int Scheduled,
    int Completed,
    int Errors,
    IReadOnlyDictionary<string, int> Statuses,
    double SendRate,
    double CompletionRate,
    double MaxSendLagMs,
    LatencyStats Latency,
    LatencyStats ServiceTime,
    LatencyStats SequentialWarmup,
    CpuUse? Cpu);

/// <summary>Task rows per status against the index counters, after the run.</summary>
public sealed record ConsistencyResult(
    IReadOnlyDictionary<string, long> TaskRows,
    IReadOnlyDictionary<string, long> Counters,
    bool Match);
