namespace TaskScheduler.AgentProtocol;

/// <summary>The priority bands of decisions.md: high = 8..10, normal = 4..7, low = 1..3 (before the prefix).</summary>
public static class QueueNames
{
    public const string High = "tasks-high";
    public const string Normal = "tasks-normal";
    public const string Low = "tasks-low";

    /// <summary>In the order an agent must read them: a higher band is always taken first.</summary>
    public static IReadOnlyList<string> ByPrecedence { get; } = [High, Normal, Low];

    public static string ForPriority(int priority) => priority switch
    {
        >= 8 => High,
        >= 4 => Normal,
        _ => Low,
    };
}
