namespace TaskScheduler.AgentProtocol;

/// <summary><c>POST /tasks/{id}/fail</c>: the attempt failed; without an error the scheduler words one from the exit code.</summary>
public sealed record FailRequest(string WorkerId, int Attempt, string? Error = null, string? Result = null, int? ExitCode = null);
