using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Core.Workers;

/// <summary>The agent's side of registration and heart-beating.</summary>
public sealed partial class WorkerService(WorkerRepository workers, TaskRepository tasks, EventPublisher events, TimeProvider clock, IOptions<WorkflowOptions> options)
{
    /// <summary>What the agent must keep: heartbeat interval, and the lease after which it stops its commands itself.</summary>
    public int HeartbeatIntervalSeconds => options.Value.HeartbeatIntervalSeconds;

    /// <summary>
    /// Shorter than the offline threshold, so an agent cut off from the API stops its commands before the
    /// scheduler gives the task to another agent.
    /// </summary>
    public int LeaseSeconds => Math.Max(3, (int)(options.Value.WorkerOfflineAfterSeconds * 0.8));

    public static bool IsValidId(string? id) => id is not null && WorkerIdPattern().IsMatch(id);

    /// <summary>Registers (or re-registers) a worker from a registration <see cref="AgentRequests.ParseRegistration"/> checked.</summary>
    public async Task<Worker> RegisterAsync(WorkerRegistration registration, CancellationToken cancellationToken)
    {
        var id = registration.Id ?? "worker-" + Guid.CreateVersion7().ToString("N");
        var hostname = registration.Hostname ?? "unknown";
        var version = registration.Version ?? "unknown";
        var tags = (registration.Tags ?? []).Distinct(StringComparer.Ordinal).Take(TaskLimits.MaxTags).ToList();
        var concurrency = registration.Concurrency ?? 1;
        var now = clock.GetUtcNow();
        var previous = await workers.GetAsync(id, cancellationToken);
        var worker = new Worker
        {
            Id = id,
            Hostname = hostname,
            Version = version,
            Tags = tags,
            Concurrency = concurrency,
            Status = WorkerStatus.Idle,
            LastHeartbeat = now,
            RegisteredAt = previous?.RegisteredAt ?? now,
            TasksCompleted = previous?.TasksCompleted ?? 0,
            TasksFailed = previous?.TasksFailed ?? 0,
        };
        await workers.UpsertAsync(worker, cancellationToken);
        await events.WorkerEventAsync(EventTypes.WorkerRegistered, worker, cancellationToken);
        return worker;
    }

    /// <summary>
    /// Records the heartbeat and answers which of the reported attempts the agent must stop: any that is no longer
    /// the task's running attempt on this worker (cancelled, timed out, declared lost, deleted).
    /// </summary>
    public async Task<HeartbeatReply> HeartbeatAsync(string workerId, IReadOnlyList<RunningAttempt> running, WorkerResources resources, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var worker = await workers.UpdateAsync(workerId, worker => worker with
        {
            LastHeartbeat = now,
            Status = running.Count > 0 ? WorkerStatus.Active : WorkerStatus.Idle,
            CurrentTaskIds = running.Select(r => r.TaskId).Distinct(StringComparer.Ordinal).ToList(),
            CpuUsage = resources.CpuUsage ?? 0,
            MemoryUsage = resources.MemoryUsage ?? 0,
            DiskUsage = resources.DiskUsage ?? 0,
        }, cancellationToken) ?? throw ApiException.NotFound($"Worker '{workerId}' is not registered; register again.");

        var current = await Task.WhenAll(running.Select(r => TaskIds.IsValid(r.TaskId) ? tasks.GetAsync(r.TaskId, cancellationToken) : Task.FromResult<StoredTask?>(null)));
        var kill = running
            .Where((r, i) => current[i] is not { Item: { Status: TaskState.Running } t } || t.Attempt != r.Attempt || t.WorkerId != worker.Id)
            .ToList();
        return new HeartbeatReply(kill, HeartbeatIntervalSeconds, LeaseSeconds);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkerIdPattern();
}
