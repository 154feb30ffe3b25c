using System.Text.Json.Nodes;

namespace TaskScheduler.Core.Api.OpenApi;

/// <summary>Small builders of JSON Schema 2020-12 nodes (the dialect of OpenAPI 3.1).</summary>
public static class JsonSchemas
{
    public static JsonObject String(int? minLength = null, int? maxLength = null, string? format = null, string? description = null) =>
        With(new JsonObject { ["type"] = "string" }, ("minLength", minLength), ("maxLength", maxLength), ("format", format), ("description", description));

    public static JsonObject Integer(int minimum, int maximum, int? fallback = null, string? description = null) =>
        With(new JsonObject { ["type"] = "integer", ["minimum"] = minimum, ["maximum"] = maximum }, ("default", fallback), ("description", description));

    public static JsonObject Boolean(bool? fallback = null, string? description = null) =>
        With(new JsonObject { ["type"] = "boolean" }, ("default", fallback), ("description", description));

    public static JsonObject DateTime(string? description = null) => String(format: "date-time", description: description);

    public static JsonObject Choice(IEnumerable<string> values, string? fallback = null, string? description = null) =>
        With(new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]) }, ("default", fallback), ("description", description));

    public static JsonObject Array(JsonObject items, int? maxItems = null, string? description = null) =>
        With(new JsonObject { ["type"] = "array", ["items"] = items }, ("maxItems", maxItems), ("description", description));

    /// <summary>The schema also allows <c>null</c> (a field that may be cleared).</summary>
    public static JsonObject OrNull(JsonObject schema)
    {
        schema["type"] = new JsonArray(schema["type"]!.GetValue<string>(), "null");
        return schema;
    }

    /// <summary>A closed object: exactly <paramref name="properties"/>, of which <paramref name="required"/> must be given.</summary>
    public static JsonObject Object(IReadOnlyDictionary<string, JsonObject> properties, IEnumerable<string>? required = null, string? description = null)
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject([.. properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value.DeepClone()))]),
            ["additionalProperties"] = false,
        };
        if (required?.ToArray() is { Length: > 0 } names)
        {
            schema["required"] = new JsonArray([.. names.Select(n => (JsonNode)n)]);
        }

        return With(schema, ("description", description));
    }

    private static JsonObject With(JsonObject schema, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            if (value is not null)
            {
                schema[name] = JsonValue.Create(value);
            }
        }

        return schema;
    }
}
