using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Microsoft.DurableTask.Client;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Core.Metrics;

/// <summary>
/// <c>GET /system/status</c>: real round trips to Table Storage, the queues and the Durable task hub, worker counts by
/// status, task counts from the index's maintained counters, today's finished counts from the metrics buckets, and
/// the queues' approximate message counts. Nothing here scans tasks.
/// </summary>
public sealed class SystemStatusService(SchedulerStorage storage, TaskIndex index, WorkerRepository workers, MetricsService metrics)
{
    private static readonly DateTimeOffset StartedAt = DateTimeOffset.UtcNow;

    public async Task<SystemStatus> GetAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var database = Probe(async () =>
        {
            await foreach (var _ in storage.Table(TableNames.Tasks).QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
            {
                break;
            }
        });
        var depths = QueueNames.ByPrecedence.Select(async name =>
            (long)(await storage.Queue(name).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount).ToList();
        var queues = Probe(() => Task.WhenAll(depths));
        var scheduler = Probe(() => durable.GetInstanceAsync("status-probe", cancellationToken));
        var counts = Task.WhenAll(new[] { TaskState.Pending, TaskState.Queued, TaskState.Running }.Select(s => index.CountAsync(TaskIndexKeys.StatusPartition(s), cancellationToken)));
        var today = metrics.TodayAsync(cancellationToken);
        var byStatus = WorkersByStatusAsync(cancellationToken);
        await Task.WhenAll(database, queues, scheduler);

        var workerCounts = await byStatus;
        var active = workerCounts.GetValueOrDefault(WorkerStatus.Active);
        var idle = workerCounts.GetValueOrDefault(WorkerStatus.Idle);
        var components = new SystemStatus.ComponentSet(
            new SystemStatus.ApiServer(SystemStatus.Healthy, 1, Environment.MachineName),
            Component(await scheduler, new Dictionary<string, object> { ["task_hub"] = "durable", ["instance_count"] = 1 }),
            new SystemStatus.WorkerCounts(active + idle > 0 ? SystemStatus.Healthy : SystemStatus.Degraded, active, idle, workerCounts.GetValueOrDefault(WorkerStatus.Offline)),
            Component(await database, new Dictionary<string, object>()),
            Component(await queues, new Dictionary<string, object>()));
        var healthy = new[] { await database, await queues, await scheduler }.All(p => p.Error is null);
        var taskCounts = await counts;
        var finished = await today;
        var queueDepths = (await queues).Error is null ? depths.Select(d => d.Result).ToArray() : [0L, 0L, 0L];
        return new SystemStatus(
            healthy ? SystemStatus.Healthy : SystemStatus.Unhealthy,
            typeof(SystemStatusService).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
            (long)(DateTimeOffset.UtcNow - StartedAt).TotalSeconds,
            components,
            new SystemStatus.TaskCounts(taskCounts[0], taskCounts[1], taskCounts[2], finished.Completed, finished.Failed),
            new SystemStatus.QueueCounts(queueDepths[0], queueDepths[1], queueDepths[2]));
    }

    private static SystemStatus.Probed Component(ProbeResult probe, Dictionary<string, object> details) => probe.Error is null
        ? new SystemStatus.Probed(SystemStatus.Healthy, probe.Milliseconds, details)
        : new SystemStatus.Probed(SystemStatus.Unhealthy, probe.Milliseconds, new Dictionary<string, object> { ["error"] = probe.Error });

    private async Task<Dictionary<string, long>> WorkersByStatusAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var worker in workers.QueryAsync(null, cancellationToken))
        {
            counts[worker.Status] = counts.GetValueOrDefault(worker.Status) + 1;
        }

        return counts;
    }

    /// <summary>Times one round trip; a failure is reported as the component's state, not as a 500.</summary>
    private static async Task<ProbeResult> Probe(Func<Task> roundTrip)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await roundTrip();
            return new ProbeResult(clock.Elapsed.TotalMilliseconds, null);
        }
        catch (RequestFailedException ex)
        {
            return new ProbeResult(clock.Elapsed.TotalMilliseconds, ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or InvalidOperationException)
        {
            return new ProbeResult(clock.Elapsed.TotalMilliseconds, ex.GetType().Name);
        }
    }

    private sealed record ProbeResult(double Milliseconds, string? Error);
}
