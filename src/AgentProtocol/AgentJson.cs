using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>
/// The one JSON dialect of the agent protocol, for both sides: snake_case names, no member the records do not
/// declare, no member twice, numbers as numbers, and nullability and required members as the records declare them.
/// A reply record or the dispatch message opts out of the unknown-member check on purpose (a tolerant reader: an
/// agent keeps working when a newer server adds a member); a request never does, so a typo is a 422, not ignored.
/// </summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
