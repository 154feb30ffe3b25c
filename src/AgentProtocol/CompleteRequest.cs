namespace TaskScheduler.AgentProtocol;

/// <summary><c>POST /tasks/{id}/complete</c>: the attempt's command exited with success.</summary>
public sealed record CompleteRequest(string WorkerId, int Attempt, string? Result = null, int? ExitCode = null);
