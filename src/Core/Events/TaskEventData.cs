using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Events;

/// <summary>The <c>task</c> member of a task event's data (decisions.md, "Events"): what a subscriber acts on.</summary>
public sealed record TaskEventData(
    string Id,
    string Name,
    string Status,
    string? Result,
    string? Error,
    int RetryCount,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt)
{
    public static TaskEventData From(TaskItem task) =>
        new(task.Id, task.Name, task.Status.ToWire(), task.Result, task.Error, task.RetryCount, task.StartedAt, task.CompletedAt);
}
