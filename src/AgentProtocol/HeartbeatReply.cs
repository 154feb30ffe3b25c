using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>The reply to a heartbeat: what to stop, and the timing the agent must keep.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record HeartbeatReply(IReadOnlyList<RunningAttempt> Kill, int HeartbeatIntervalSeconds, int LeaseSeconds);
