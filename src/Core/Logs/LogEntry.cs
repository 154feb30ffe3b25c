namespace TaskScheduler.Core.Logs;

/// <summary>One log line of a task (decisions.md): stdout is <c>info</c>, stderr <c>error</c>, the scheduler's own at their level.</summary>
public sealed record LogEntry(DateTimeOffset Timestamp, string Level, string Message, int Attempt);
