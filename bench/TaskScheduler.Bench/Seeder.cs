using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Bench;

/// <summary>
/// Seeds the data set through Core's own repository (<c>InsertAsync</c>, then <c>UpdateAsync</c> for the tasks that
/// leave pending), with bounded concurrency, so the task rows, index rows and counters are exactly what the API
/// writes. Then reads every counter back and checks it against the plan.
/// </summary>
public sealed partial class Seeder(BenchOptions options, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<Seeder>();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var bench = await BenchStorage.OpenAsync(options.Storage, options.Prefix, loggerFactory, cancellationToken);
        var plan = SeedPlan.Generate(options.Tasks, options.RareTasks, DateTimeOffset.UtcNow);
        var moving = plan.Count(t => t.FinalState != TaskState.Pending);
        LogStarting(_logger, plan.Count, moving, options.SeedConcurrency, options.Prefix);

        var load = MachineLoad.Start(options.Pids);
        var clock = Stopwatch.StartNew();
        var done = 0;
        var progressEvery = Math.Max(1, plan.Count / 20);
        var insertTicks = 0L;
        var moveTicks = 0L;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.SeedConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(plan, parallel, async (seed, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            await bench.Repository.InsertAsync(seed.Task, ct);
            var inserted = Stopwatch.GetTimestamp();
            Interlocked.Add(ref insertTicks, inserted - started);
            if (seed.FinalState != TaskState.Pending)
            {
                var moved = await bench.Repository.UpdateAsync(seed.Task.Id, task => SeedPlan.MoveTo(task, seed.FinalState), ct);
                if (moved?.Item.Status != seed.FinalState)
                {
                    throw new InvalidOperationException($"Task {seed.Task.Id} did not move to {seed.FinalState}.");
                }

                Interlocked.Add(ref moveTicks, Stopwatch.GetTimestamp() - inserted);
            }

            var count = Interlocked.Increment(ref done);
            if (count % progressEvery == 0)
            {
                LogProgress(_logger, count, plan.Count, clock.Elapsed.TotalSeconds, count / clock.Elapsed.TotalSeconds, bench.Counter.Total);
            }
        });
        clock.Stop();
        var share = load.Stop();

        var statuses = TaskStates.All.ToDictionary(
            s => s.ToWire(), s => plan.Count(t => t.FinalState == s), StringComparer.Ordinal);
        var tags = plan.SelectMany(t => t.Task.Tags).GroupBy(t => t, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var (countersRead, countersMatch) = await CheckCountersAsync(bench.Index, plan, cancellationToken);

        // Per task: 10 keys (5 sort fields x 2 directions) in its status partition and in one partition per tag.
        var indexRows = plan.Sum(t => 10L * (1 + t.Task.Tags.Count));
        var result = new SeedResult(
            plan.Count,
            options.SeedConcurrency,
            clock.Elapsed.TotalSeconds,
            MeanMilliseconds(insertTicks, plan.Count),
            MeanMilliseconds(moveTicks, moving),
            bench.Counter.Total,
            indexRows,
            statuses,
            tags,
            SeedPlan.RareTag,
            countersRead,
            countersMatch,
            share);
        await Results.WriteAsync(options, Results.Seed, result);
        LogDone(_logger, plan.Count, clock.Elapsed.TotalSeconds, bench.Counter.Total, indexRows, countersMatch, Report.Percent(share, "azurite"), Report.Percent(share, "bench"), (share?.OtherCores ?? double.NaN) * 100);
        if (!countersMatch)
        {
            throw new InvalidOperationException("The index counters do not match the seeded data; see seed.json.");
        }
    }

    private static double MeanMilliseconds(long stopwatchTicks, int count) =>
        count == 0 ? 0 : stopwatchTicks * 1000.0 / Stopwatch.Frequency / count;

    /// <summary>Reads every status partition's and every tag partition's counter, as a listing would.</summary>
    private static async Task<(Dictionary<string, long> Read, bool Match)> CheckCountersAsync(
        TaskIndex index, IReadOnlyList<SeedTask> plan, CancellationToken cancellationToken)
    {
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var seed in plan)
        {
            foreach (var partition in TaskIndexKeys.Partitions(seed.Task with { Status = seed.FinalState }))
            {
                expected[partition] = expected.GetValueOrDefault(partition) + 1;
            }
        }

        var tags = SeedPlan.CommonTags.Append(SeedPlan.RareTag).Select(tag => (string?)tag).Prepend(null);
        var partitions = tags.SelectMany(tag => TaskIndexKeys.PartitionsFor(null, tag)).ToList();
        var read = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var partition in partitions)
        {
            read[partition] = await index.CountAsync(partition, cancellationToken);
        }

        var match = partitions.All(p => read[p] == expected.GetValueOrDefault(p));
        return (read, match);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Seeding {Tasks} tasks ({Moving} then moved out of pending), {Concurrency} at a time, prefix {Prefix}")]
    private static partial void LogStarting(ILogger logger, int tasks, int moving, int concurrency, string prefix);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Seeded {Done}/{Tasks} in {Seconds:F0} s ({Rate:F0} tasks/s, {Requests} storage requests so far)")]
    private static partial void LogProgress(ILogger logger, int done, int tasks, double seconds, double rate, long requests);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Seeded {Tasks} tasks in {Seconds:F1} s with {Requests} storage requests ({IndexRows} index rows); counters match: {Match}; CPU (% of a core): Azurite {AzuriteCpu:F0}, seeder {SeederCpu:F0}, other processes {OtherCpu:F0}")]
    private static partial void LogDone(ILogger logger, int tasks, double seconds, long requests, long indexRows, bool match, double azuriteCpu, double seederCpu, double otherCpu);
}
