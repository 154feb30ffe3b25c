using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>The reply to a log batch: how many lines were stored.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record LogBatchReply(int Accepted);
