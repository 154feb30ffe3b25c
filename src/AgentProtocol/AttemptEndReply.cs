using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>The reply to complete and fail: the task's state after the report (<c>pending</c> when a retry follows).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record AttemptEndReply(string Id, string Status, int RetryCount, DateTimeOffset UpdatedAt);
