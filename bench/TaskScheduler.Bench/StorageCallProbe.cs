using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Bench;

/// <summary>
/// Runs each listing in-process through <c>TaskRepository.ListAsync</c>, parsed by the API's own
/// <c>TaskListQuery.Parse</c>, and counts the storage requests it makes, by kind, with their round trips. Then the
/// same on a small control data set in its own tables: Azurite evaluates a query against every row of the table
/// (LokiJS, no key index for ranges), so the difference between the two is the emulator's cost per stored row.
/// </summary>
public sealed partial class StorageCallProbe(BenchOptions options, ILoggerFactory loggerFactory)
{
    /// <summary>With one status and one item, each of a listing's three rounds (count, keys, tasks) is a single call.</summary>
    private const string IsolatedQuery = "status=pending&limit=1";

    private readonly ILogger _logger = loggerFactory.CreateLogger<StorageCallProbe>();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var seeded = await BenchStorage.OpenAsync(options.Storage, options.Prefix, loggerFactory, cancellationToken);
        var scenarios = new List<ProbeScenarioResult>();
        foreach (var scenario in ListScenarios.All)
        {
            scenarios.Add(await ProbeAsync(seeded, scenario.Name, scenario.Query, cancellationToken));
        }

        var isolated = await ProbeAsync(seeded, "one call at a time", IsolatedQuery, cancellationToken);

        var small = await BenchStorage.OpenAsync(options.Storage, "small" + Guid.NewGuid().ToString("N")[..8], loggerFactory, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < options.SmallTasks; i++)
        {
            var createdAt = now.AddSeconds(i - options.SmallTasks);
            await small.Repository.InsertAsync(
                new TaskItem { Id = TaskIds.New(), Name = "small", Command = "true", CreatedAt = createdAt, UpdatedAt = createdAt },
                cancellationToken);
        }

        var smallIsolated = await ProbeAsync(small, "one call at a time, small set", IsolatedQuery, cancellationToken);
        var smallDefault = await ProbeAsync(small, "default, small set", string.Empty, cancellationToken);

        await Results.WriteAsync(
            options, Results.Probe, new ProbeResult(scenarios, isolated, smallIsolated, smallDefault, options.SmallTasks));
    }

    private async Task<ProbeScenarioResult> ProbeAsync(BenchStorage bench, string name, string queryString, CancellationToken cancellationToken)
    {
        var query = TaskListQuery.Parse(QueryHelpers.ParseQuery(queryString));
        await bench.Repository.ListAsync(query, cancellationToken);

        var calls = new List<StorageCall>();
        var elapsed = new List<double>();
        (IReadOnlyList<TaskItem> Items, long Total) last = ([], 0);
        bench.Counter.Drain();
        bench.Counter.Detailed = true;
        for (var i = 0; i < options.ProbeRepeats; i++)
        {
            var started = Stopwatch.GetTimestamp();
            last = await bench.Repository.ListAsync(query, cancellationToken);
            elapsed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            calls.AddRange(bench.Counter.Drain());
        }

        bench.Counter.Detailed = false;
        var byKind = calls.GroupBy(Kind).OrderBy(g => g.Key).ToList();
        var result = new ProbeScenarioResult(
            name,
            queryString,
            options.ProbeRepeats,
            (double)calls.Count / options.ProbeRepeats,
            byKind.ToDictionary(g => g.Key.ToString(), g => (double)g.Count() / options.ProbeRepeats, StringComparer.Ordinal),
            byKind.ToDictionary(g => g.Key.ToString(), g => LatencyStats.From(g.Select(c => c.Milliseconds)).P50, StringComparer.Ordinal),
            last.Items.Count,
            last.Total,
            LatencyStats.From(elapsed));
        LogScenario(_logger, name, result.CallsPerListing, result.InProcess.P50, string.Join(", ", result.MedianMsByKind.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Key} {k.Value:F1} ms"))));
        return result;
    }

    /// <summary>What a listing's table call is: its operation, and for a query whether it reads the counter rows.</summary>
    private static StorageCallKind Kind(StorageCall call) => call.Key[(call.Key.LastIndexOf('/') + 1)..] switch
    {
        "read" => StorageCallKind.PointRead,
        "query-next" => StorageCallKind.KeyRangeContinuation,
        "query" => call.Query.Contains("RowKey ge '~n|'", StringComparison.Ordinal) ? StorageCallKind.CounterQuery : StorageCallKind.KeyRangeQuery,
        "batch" => StorageCallKind.Batch,
        _ => StorageCallKind.Write,
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Listing '{Scenario}': {Calls:F1} storage calls, {Milliseconds:F1} ms median in-process; median per call: {PerKind}")]
    private static partial void LogScenario(ILogger logger, string scenario, double calls, double milliseconds, string perKind);
}

public enum StorageCallKind
{
    CounterQuery,
    KeyRangeQuery,
    KeyRangeContinuation,
    PointRead,
    Batch,
    Write,
}
