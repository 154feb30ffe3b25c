namespace TaskScheduler.Core.Logs;

/// <summary>One log line of a task (decisions.md): stdout is <c>info</c>, stderr <c>error</c>, the scheduler's own at their level.</summary>
public sealed record LogEntry(DateTimeOffset Timestamp, string Level, string Message, int Attempt);

/// <summary>The levels of decisions.md.</summary>
public static class LogLevels
{
    public const string Debug = "debug";
    public const string Info = "info";
    public const string Warn = "warn";
    public const string Error = "error";

    public static IReadOnlyList<string> All { get; } = [Debug, Info, Warn, Error];
}
