namespace TaskScheduler.AgentProtocol;

/// <summary>One attempt an agent runs, as it reports it in a heartbeat (and as a kill order names it).</summary>
public sealed record RunningAttempt(string TaskId, int Attempt);
