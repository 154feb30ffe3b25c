namespace TaskScheduler.AgentProtocol;

/// <summary><c>POST /tasks/{id}/claim</c>: the worker takes the attempt a dispatch message named.</summary>
public sealed record ClaimRequest(string WorkerId, int Attempt);
