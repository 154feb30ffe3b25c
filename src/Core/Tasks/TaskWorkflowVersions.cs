namespace TaskScheduler.Core.Tasks;

/// <summary>The versions of the per-task orchestration a task row can name.</summary>
public static class TaskWorkflowVersions
{
    /// <summary>The first orchestration (<c>TaskOrchestration</c>): string statuses, a started event, three activities.</summary>
    public const int V1 = 1;

    /// <summary>Lifecycle v2 (<c>TaskWorkflow</c>): one owner per transition, inline first dispatch.</summary>
    public const int Current = 2;
}
