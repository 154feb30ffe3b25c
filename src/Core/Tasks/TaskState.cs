namespace TaskScheduler.Core.Tasks;

/// <summary>The life of a task (decisions.md). Stored and sent as the lower-case name.</summary>
public enum TaskState
{
    /// <summary>Accepted; waiting for <c>scheduled_at</c>, dependencies or a retry back-off.</summary>
    Pending,

    /// <summary>In a priority queue, waiting for an agent.</summary>
    Queued,

    /// <summary>Claimed by an agent and executing.</summary>
    Running,

    Completed,
    Failed,
    Cancelled,
}
