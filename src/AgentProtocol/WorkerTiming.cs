using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>
/// The <c>meta</c> of the reply to <c>POST /workers</c>: how often to heart-beat, and the lease after which an agent
/// cut off from the API stops its commands itself.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record WorkerTiming(int HeartbeatIntervalSeconds, int LeaseSeconds);
