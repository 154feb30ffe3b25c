using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace TaskScheduler.Core.Workers;

/// <summary>A <see cref="Worker"/>'s row in the <c>workers</c> table: PartitionKey = worker id.</summary>
public sealed class WorkerEntity : ITableEntity
{
    public const string WorkerRowKey = "worker";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = WorkerRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Hostname { get; set; } = string.Empty;
    public string Status { get; set; } = WorkerStatus.Idle;
    public string Version { get; set; } = string.Empty;

    /// <summary>JSON array of strings.</summary>
    public string Tags { get; set; } = "[]";

    public int Concurrency { get; set; }
    public long TasksCompleted { get; set; }
    public long TasksFailed { get; set; }

    /// <summary>JSON array of the task ids the agent reported running in its last heartbeat.</summary>
    public string CurrentTaskIds { get; set; } = "[]";

    public DateTimeOffset LastHeartbeat { get; set; }
    public DateTimeOffset RegisteredAt { get; set; }
    public double CpuUsage { get; set; }
    public double MemoryUsage { get; set; }
    public double DiskUsage { get; set; }

    public static WorkerEntity From(Worker worker) => new()
    {
        PartitionKey = worker.Id,
        Hostname = worker.Hostname,
        Status = worker.Status,
        Version = worker.Version,
        Tags = JsonSerializer.Serialize(worker.Tags),
        Concurrency = worker.Concurrency,
        TasksCompleted = worker.TasksCompleted,
        TasksFailed = worker.TasksFailed,
        CurrentTaskIds = JsonSerializer.Serialize(worker.CurrentTaskIds),
        LastHeartbeat = worker.LastHeartbeat,
        RegisteredAt = worker.RegisteredAt,
        CpuUsage = worker.CpuUsage,
        MemoryUsage = worker.MemoryUsage,
        DiskUsage = worker.DiskUsage,
    };

    public Worker ToWorker() => new()
    {
        Id = PartitionKey,
        Hostname = Hostname,
        Status = Status,
        Version = Version,
        Tags = JsonSerializer.Deserialize<string[]>(Tags) ?? [],
        Concurrency = Concurrency,
        TasksCompleted = TasksCompleted,
        TasksFailed = TasksFailed,
        CurrentTaskIds = JsonSerializer.Deserialize<string[]>(CurrentTaskIds) ?? [],
        LastHeartbeat = LastHeartbeat,
        RegisteredAt = RegisteredAt,
        CpuUsage = CpuUsage,
        MemoryUsage = MemoryUsage,
        DiskUsage = DiskUsage,
    };
}
