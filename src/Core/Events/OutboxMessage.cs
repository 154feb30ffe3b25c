using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskScheduler.Core.Events;

/// <summary>
/// One delivery in the outbox queue: an event (its id, type, time and spec payload) for one target — the Event
/// Grid topic, or one webhook — and how many tries it has had.
/// </summary>
public sealed record OutboxMessage(string EventId, string Type, DateTimeOffset Time, string Subject, JsonObject Payload, string Target, int Attempt)
{
    public const string EventGridTarget = "eventgrid";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static OutboxMessage? TryParse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<OutboxMessage>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
