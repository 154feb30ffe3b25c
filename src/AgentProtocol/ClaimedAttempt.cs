using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>The reply to a successful claim: what the agent needs to run the attempt.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record ClaimedAttempt(
    string TaskId,
    int Attempt,
    string Name,
    string Command,
    int TimeoutSeconds,
    bool CheckpointEnabled,
    JsonNode? CheckpointData);
