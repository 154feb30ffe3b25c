namespace TaskScheduler.AgentProtocol;

/// <summary>What the API keeps of an attempt's report; longer texts keep their end (the last lines explain a result).</summary>
public static class AgentLimits
{
    public const int MaxResultChars = 16 * 1024;
    public const int MaxErrorChars = 8 * 1024;

    /// <summary>The most lines one <c>POST /tasks/{id}/logs</c> may carry.</summary>
    public const int MaxLogLines = 5000;

    public const int MaxLogLineChars = 8 * 1024;

    /// <summary>The most attempts one heartbeat may report.</summary>
    public const int MaxHeartbeatAttempts = 1024;
}
