using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>The reply to a checkpoint (api-reference.md): the checkpoint as stored.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CheckpointReply(string Id, JsonNode? CheckpointData, DateTimeOffset UpdatedAt);
