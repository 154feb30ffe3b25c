namespace TaskScheduler.Core.Tasks;

/// <summary>The fields <c>GET /tasks</c> can sort by (decisions.md).</summary>
public enum TaskSortField
{
    CreatedAt,
    UpdatedAt,
    Priority,
    ScheduledAt,
    Name,
}
