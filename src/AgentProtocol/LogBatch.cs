namespace TaskScheduler.AgentProtocol;

/// <summary><c>POST /tasks/{id}/logs</c>: up to <see cref="AgentLimits.MaxLogLines"/> lines of the attempt's output.</summary>
public sealed record LogBatch(string WorkerId, int Attempt, IReadOnlyList<LogLine> Lines);
