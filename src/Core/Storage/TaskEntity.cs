using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// A task's row in the <c>tasks</c> table: PartitionKey = RowKey = task id, one row per partition. (A constant RowKey
/// would do on Table Storage; the id in both keys lets Azurite answer a point read from its RowKey index instead of
/// scanning every task.)
/// </summary>
public sealed class TaskEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = string.Empty;
    public string? Description { get; set; }
    public string Command { get; set; } = string.Empty;
    public string Status { get; set; } = string.Empty;
    public int Priority { get; set; }
    public int RetryCount { get; set; }
    public int MaxRetries { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ScheduledAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public int TimeoutSeconds { get; set; }

    /// <summary>JSON array of strings.</summary>
    public string Tags { get; set; } = "[]";

    /// <summary>JSON array of task ids.</summary>
    public string Dependencies { get; set; } = "[]";

    public string? WorkerId { get; set; }
    public string? Result { get; set; }
    public string? Error { get; set; }

    /// <summary>UTF-8 JSON: binary, because 32 KiB of JSON can exceed a string property's 32K UTF-16 characters.</summary>
    public byte[]? Checkpoint { get; set; }

    public bool CheckpointEnabled { get; set; }

    public string? ScheduleId { get; set; }
    public int Attempt { get; set; }
    public int RetriesLeft { get; set; }
    public string? TraceParent { get; set; }

    /// <summary>Absent on rows written before lifecycle v2: those tasks are driven by version 1.</summary>
    public int? WorkflowVersion { get; set; }

    public bool EndReportedByWorker { get; set; }

    /// <summary>Absent on rows written before the flag: read as true (their dependents are looked up).</summary>
    public bool? MayHaveDependents { get; set; }

    /// <summary>The scheduler's own log lines, UTF-8 JSON (binary: up to 64 KiB, see <see cref="Checkpoint"/>).</summary>
    public byte[]? SchedulerLog { get; set; }

    public static TaskEntity From(TaskItem task) => new()
    {
        PartitionKey = task.Id,
        RowKey = task.Id,
        Name = task.Name,
        Description = task.Description,
        Command = task.Command,
        Status = task.Status.ToWire(),
        Priority = task.Priority,
        RetryCount = task.RetryCount,
        MaxRetries = task.MaxRetries,
        CreatedAt = task.CreatedAt,
        UpdatedAt = task.UpdatedAt,
        ScheduledAt = task.ScheduledAt,
        StartedAt = task.StartedAt,
        CompletedAt = task.CompletedAt,
        TimeoutSeconds = task.TimeoutSeconds,
        Tags = JsonSerializer.Serialize(task.Tags),
        Dependencies = JsonSerializer.Serialize(task.Dependencies),
        WorkerId = task.WorkerId,
        Result = task.Result,
        Error = task.Error,
        Checkpoint = task.CheckpointData is null ? null : Encoding.UTF8.GetBytes(task.CheckpointData),
        CheckpointEnabled = task.CheckpointEnabled,
        ScheduleId = task.ScheduleId,
        Attempt = task.Attempt,
        RetriesLeft = task.RetriesLeft,
        TraceParent = task.TraceParent,
        WorkflowVersion = task.WorkflowVersion,
        EndReportedByWorker = task.EndReportedByWorker,
        MayHaveDependents = task.MayHaveDependents,
        SchedulerLog = task.SchedulerLog.Count == 0 ? null : JsonSerializer.SerializeToUtf8Bytes(task.SchedulerLog, LogJson),
    };

    public TaskItem ToItem() => new()
    {
        Id = PartitionKey,
        Name = Name,
        Description = Description,
        Command = Command,
        Status = TaskStates.Parse(Status),
        Priority = Priority,
        RetryCount = RetryCount,
        MaxRetries = MaxRetries,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        ScheduledAt = ScheduledAt,
        StartedAt = StartedAt,
        CompletedAt = CompletedAt,
        TimeoutSeconds = TimeoutSeconds,
        Tags = JsonSerializer.Deserialize<string[]>(Tags) ?? [],
        Dependencies = JsonSerializer.Deserialize<string[]>(Dependencies) ?? [],
        WorkerId = WorkerId,
        Result = Result,
        Error = Error,
        CheckpointData = Checkpoint is null ? null : Encoding.UTF8.GetString(Checkpoint),
        CheckpointEnabled = CheckpointEnabled,
        ScheduleId = ScheduleId,
        Attempt = Attempt,
        RetriesLeft = RetriesLeft,
        TraceParent = TraceParent,
        WorkflowVersion = WorkflowVersion ?? TaskWorkflowVersions.V1,
        EndReportedByWorker = EndReportedByWorker,
        MayHaveDependents = MayHaveDependents ?? true,
        SchedulerLog = SchedulerLog is null ? [] : JsonSerializer.Deserialize<LogEntry[]>(SchedulerLog, LogJson) ?? [],
    };

    private static readonly JsonSerializerOptions LogJson = new(JsonSerializerDefaults.Web);
}
