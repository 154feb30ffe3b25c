namespace TaskScheduler.Core.Tasks;

/// <summary>What a task gets for a field its create leaves out (api-reference.md); the bounds are <see cref="TaskLimits"/>.</summary>
public static class TaskDefaults
{
    public const int Priority = 5;
    public const int MaxRetries = 3;
    public const int TimeoutSeconds = 3600;
}
