using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>
/// What a priority queue carries: which task, which attempt, and the trace it belongs to. Everything else is read
/// when claiming. Read tolerantly: a member a newer scheduler adds must not make an older agent delete the message.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record DispatchMessage(
    string TaskId,
    int Attempt,
    [property: JsonPropertyName("traceparent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceParent = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, AgentJson.Options);

    /// <summary>Null for anything that is not a well-formed message (a poison message to delete).</summary>
    public static DispatchMessage? TryParse(string text)
    {
        try
        {
            var message = JsonSerializer.Deserialize<DispatchMessage>(text, AgentJson.Options);
            return message is { Attempt: > 0 } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
