using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Core.Metrics;

/// <summary>
/// The counters a finished attempt moves (the hour and day metrics buckets, the worker's completed and failed
/// counts), added up in memory and written every <see cref="WorkflowOptions.CountersFlushSeconds"/>: one read and
/// one write per bucket or worker per flush, however many tasks ended, instead of six calls per task.
/// <para>The price: figures lag by up to one flush, and a process that dies loses what it had not yet written (at
/// most one interval's counts; the tasks themselves are unaffected). A stopping host flushes first.</para>
/// </summary>
public sealed partial class TaskCounters(
    MetricsStore metrics,
    WorkerRepository workers,
    IOptions<WorkflowOptions> options,
    ILogger<TaskCounters> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<(string Partition, string Bucket), MetricsStore.Bucket> _buckets = new();
    private readonly ConcurrentDictionary<string, (long Completed, long Failed)> _workers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Counts a task that reached <c>completed</c> or <c>failed</c>.</summary>
    public void TaskFinished(TaskItem task)
    {
        var at = task.CompletedAt ?? task.UpdatedAt;
        var delta = MetricsStore.BucketOf(task);
        lock (_lock)
        {
            Add((MetricsStore.HourPartition, MetricsStore.HourKey(at)), delta);
            Add((MetricsStore.DayPartition, MetricsStore.DayKey(at)), delta);
        }
    }

    /// <summary>Counts an attempt a worker ran to its end.</summary>
    public void AttemptEnded(string workerId, bool succeeded)
    {
        lock (_lock)
        {
            var (completed, failed) = _workers.GetValueOrDefault(workerId);
            _workers[workerId] = succeeded ? (completed + 1, failed) : (completed, failed + 1);
        }
    }

    /// <summary>Writes what was counted since the last flush. What fails to write is kept for the next one.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        KeyValuePair<(string Partition, string Bucket), MetricsStore.Bucket>[] buckets;
        KeyValuePair<string, (long Completed, long Failed)>[] ended;
        lock (_lock)
        {
            buckets = [.. _buckets];
            ended = [.. _workers];
            _buckets.Clear();
            _workers.Clear();
        }

        await Task.WhenAll(
            buckets.Select(async pair =>
            {
                try
                {
                    await metrics.AddAsync(pair.Key.Partition, pair.Key.Bucket, pair.Value, cancellationToken);
                }
                catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException)
                {
                    lock (_lock)
                    {
                        Add(pair.Key, pair.Value);
                    }

                    throw;
                }
            }).Concat(ended.Select(async pair =>
            {
                try
                {
                    await workers.UpdateAsync(pair.Key, worker => worker with
                    {
                        TasksCompleted = worker.TasksCompleted + pair.Value.Completed,
                        TasksFailed = worker.TasksFailed + pair.Value.Failed,
                    }, cancellationToken);
                }
                catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException)
                {
                    lock (_lock)
                    {
                        var (completed, failed) = _workers.GetValueOrDefault(pair.Key);
                        _workers[pair.Key] = (completed + pair.Value.Completed, failed + pair.Value.Failed);
                    }

                    throw;
                }
            })));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException)
        {
            LogFlushFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CountersFlushSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The loop's one boundary: what failed stays counted and goes with the next flush.
                LogFlushFailed(logger, ex);
            }
        }
    }

    private void Add((string Partition, string Bucket) key, MetricsStore.Bucket delta) =>
        _buckets[key] = _buckets.GetValueOrDefault(key) + delta;

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Could not write the task counters; they go with the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
