using System.Text.Json.Nodes;

namespace TaskScheduler.Core.Tasks;

/// <summary>The task object of the REST contract, field for field (snake_case on the wire).</summary>
public sealed record TaskResource(
    string Id,
    string Name,
    string? Description,
    string Command,
    string Status,
    int Priority,
    int RetryCount,
    int MaxRetries,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ScheduledAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int TimeoutSeconds,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Dependencies,
    string? WorkerId,
    string? Result,
    string? Error,
    JsonNode? CheckpointData,
    bool CheckpointEnabled,
    string? ScheduleId)
{
    public static TaskResource From(TaskItem task) => new(
        task.Id,
        task.Name,
        task.Description,
        task.Command,
        task.Status.ToWire(),
        task.Priority,
        task.RetryCount,
        task.MaxRetries,
        task.CreatedAt,
        task.UpdatedAt,
        task.ScheduledAt,
        task.StartedAt,
        task.CompletedAt,
        task.TimeoutSeconds,
        task.Tags,
        task.Dependencies,
        task.WorkerId,
        task.Result,
        task.Error,
        task.CheckpointData is null ? null : JsonNode.Parse(task.CheckpointData),
        task.CheckpointEnabled,
        task.ScheduleId);
}
