namespace TaskScheduler.Core.Tasks;

/// <summary>The task does not exist (never did, or was deleted). The HTTP edge answers 404 <c>not_found</c>.</summary>
public sealed class TaskNotFoundException(string taskId)
    : Exception($"Task '{(taskId.Length <= 64 ? taskId : taskId[..64] + "...")}' was not found.")
{
    public string TaskId { get; } = taskId;
}
