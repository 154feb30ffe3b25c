namespace TaskScheduler.Core.Tasks;

/// <summary>The reply of <c>POST /tasks/{id}/cancel</c>.</summary>
public sealed record TaskCancelled(string Id, string Status, DateTimeOffset UpdatedAt)
{
    public static TaskCancelled From(TaskItem task) => new(task.Id, task.Status.ToWire(), task.UpdatedAt);
}

/// <summary>The reply of <c>POST /tasks/{id}/retry</c>.</summary>
public sealed record TaskRetried(string Id, string Status, int RetryCount, DateTimeOffset UpdatedAt)
{
    public static TaskRetried From(TaskItem task) => new(task.Id, task.Status.ToWire(), task.RetryCount, task.UpdatedAt);
}

/// <summary>A task in a worker's task list (<c>GET /workers/{id}/tasks</c>): the spec's short shape.</summary>
public sealed record TaskSummary(string Id, string Name, string Status, DateTimeOffset? StartedAt, int Priority)
{
    public static TaskSummary From(TaskItem task) => new(task.Id, task.Name, task.Status.ToWire(), task.StartedAt, task.Priority);
}
