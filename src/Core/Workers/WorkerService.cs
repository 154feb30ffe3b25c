using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
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

    public async Task<WorkerEntity> RegisterAsync(JsonElement body, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidJson("The request body must be a JSON object.");
        }

        var errors = new Dictionary<string, string>();
        var id = OptionalString(body, "id", 64, errors) ?? "worker-" + Guid.CreateVersion7().ToString("N");
        if (!IsValidId(id))
        {
            errors["id"] = "must be 1-64 letters, digits, '-' or '_'";
        }

        var hostname = OptionalString(body, "hostname", 255, errors) ?? "unknown";
        var version = OptionalString(body, "version", 64, errors) ?? "unknown";
        var tags = new List<string>();
        if (body.TryGetProperty("tags", out var tagsElement) && tagsElement.ValueKind != JsonValueKind.Null)
        {
            if (tagsElement.ValueKind != JsonValueKind.Array || tagsElement.EnumerateArray().Any(t => !TaskRequestParser.IsValidTag(t.ValueKind == JsonValueKind.String ? t.GetString() : null)))
            {
                errors["tags"] = "must be an array of valid tags";
            }
            else
            {
                tags.AddRange(tagsElement.EnumerateArray().Select(t => t.GetString()!).Distinct(StringComparer.Ordinal).Take(TaskDefaults.MaxTags));
            }
        }

        var concurrency = 1;
        if (body.TryGetProperty("concurrency", out var c) && c.ValueKind != JsonValueKind.Null && (c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out concurrency) || concurrency is < 1 or > 1024))
        {
            errors["concurrency"] = "must be an integer between 1 and 1024";
        }

        if (errors.Count > 0)
        {
            throw ApiException.Validation(errors);
        }

        var now = clock.GetUtcNow();
        var previous = await workers.GetAsync(id, cancellationToken);
        var worker = new WorkerEntity
        {
            PartitionKey = id,
            Hostname = hostname,
            Version = version,
            Tags = JsonSerializer.Serialize(tags),
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
        var worker = await workers.UpdateAsync(workerId, worker =>
        {
            worker.LastHeartbeat = now;
            worker.Status = running.Count > 0 ? WorkerStatus.Active : WorkerStatus.Idle;
            worker.CurrentTaskIds = JsonSerializer.Serialize(running.Select(r => r.TaskId).Distinct(StringComparer.Ordinal));
            worker.CpuUsage = resources.CpuUsage;
            worker.MemoryUsage = resources.MemoryUsage;
            worker.DiskUsage = resources.DiskUsage;
            return true;
        }, cancellationToken) ?? throw ApiException.NotFound($"Worker '{workerId}' is not registered; register again.");

        var current = await Task.WhenAll(running.Select(r => TaskIds.IsValid(r.TaskId) ? tasks.GetAsync(r.TaskId, cancellationToken) : Task.FromResult<StoredTask?>(null)));
        var kill = running
            .Where((r, i) => current[i] is not { Task: { Status: TaskState.Running } t } || t.Attempt != r.Attempt || t.WorkerId != worker.PartitionKey)
            .ToList();
        return new HeartbeatReply(kill, HeartbeatIntervalSeconds, LeaseSeconds);
    }

    private static string? OptionalString(JsonElement body, string name, int maxLength, Dictionary<string, string> errors)
    {
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString()!.Length is 0 || element.GetString()!.Length > maxLength || element.GetString()!.Any(char.IsControl))
        {
            errors[name] = $"must be a string of 1-{maxLength} printable characters";
            return null;
        }

        return element.GetString();
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkerIdPattern();
}
