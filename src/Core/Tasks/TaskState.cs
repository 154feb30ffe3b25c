using System.Text.Json.Serialization;

namespace TaskScheduler.Core.Tasks;

/// <summary>
/// The life of a task (decisions.md). Stored and sent as the lower-case name, in the API, the table and the
/// orchestrations' histories alike (so version 1's string statuses read as these values).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskState>))]
public enum TaskState
{
    /// <summary>Accepted; waiting for <c>scheduled_at</c>, dependencies or a retry back-off.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>In a priority queue, waiting for an agent.</summary>
    [JsonStringEnumMemberName("queued")]
    Queued,

    /// <summary>Claimed by an agent and executing.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    [JsonStringEnumMemberName("completed")]
    Completed,

    [JsonStringEnumMemberName("failed")]
    Failed,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}
