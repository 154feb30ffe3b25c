using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskScheduler.Core.Queues;

/// <summary>What a priority queue carries: which task, which attempt. Everything else is read when claiming.</summary>
public sealed record DispatchMessage(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("traceparent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceParent = null)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Null for anything that is not a well-formed message (a poison message to delete).</summary>
    public static DispatchMessage? TryParse(string text)
    {
        try
        {
            var message = JsonSerializer.Deserialize<DispatchMessage>(text);
            return message is { TaskId: not null, Attempt: > 0 } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
