namespace TaskScheduler.AgentProtocol;

/// <summary>One line of a command's output; without a timestamp the scheduler stamps it when it arrives.</summary>
public sealed record LogLine(string Level, string Message, DateTimeOffset? Timestamp = null);
