namespace TaskScheduler.AgentProtocol;

/// <summary><c>POST /workers/{id}/heartbeat</c>: what the agent runs and how loaded its machine is.</summary>
public sealed record HeartbeatRequest(IReadOnlyList<RunningAttempt>? CurrentTasks = null, WorkerResources? Resources = null);
