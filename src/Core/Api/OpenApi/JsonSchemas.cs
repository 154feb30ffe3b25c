using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

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

    /// <summary>
    /// The schema of a record as <paramref name="options"/> serialize it, through System.Text.Json's own exporter, so
    /// it is the shape the serializer writes and reads.
    /// </summary>
    public static JsonObject Of(Type type, JsonSerializerOptions options)
    {
        var schema = (JsonObject)options.GetJsonSchemaAsNode(type, ExporterOptions);
        return (JsonObject)Inline(schema, schema, depth: 0);
    }

    /// <summary>
    /// The exporter writes a type met twice as a <c>$ref</c> to its first place, a pointer from the type's own root
    /// (<c>#/properties/...</c>). Placed under <c>components/schemas</c> that pointer would point into the document's
    /// root instead, so each is replaced by a copy of what it points to (our replies hold no recursive type).
    /// </summary>
    private static JsonNode Inline(JsonNode node, JsonObject root, int depth)
    {
        if (depth > 32)
        {
            throw new InvalidOperationException("A reply type is recursive: its schema cannot be inlined.");
        }

        switch (node)
        {
            case JsonObject { Count: 1 } reference when reference["$ref"]?.GetValue<string>() is { } pointer && pointer.StartsWith('#'):
                var target = pointer[1..].Split('/', StringSplitOptions.RemoveEmptyEntries)
                    .Aggregate((JsonNode?)root, (at, segment) => at?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)])
                    ?? throw new InvalidOperationException($"The schema's reference {pointer} points nowhere.");
                return Inline(target.DeepClone(), root, depth + 1);
            case JsonObject schema:
                foreach (var (name, child) in schema.ToList())
                {
                    if (child is not null && Inline(child, root, depth + 1) is var inlined && !ReferenceEquals(inlined, child))
                    {
                        schema[name] = inlined;
                    }
                }

                return schema;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item && Inline(item, root, depth + 1) is var inlined && !ReferenceEquals(inlined, item))
                    {
                        array[i] = inlined;
                    }
                }

                return array;
            default:
                return node;
        }
    }

    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (context, node) =>
        {
            var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
            if (type == typeof(DateTimeOffset))
            {
                // Both dialects write instants in ISO 8601; the exporter cannot see through the API's custom converter.
                return new JsonObject
                {
                    ["type"] = type == context.TypeInfo.Type ? "string" : new JsonArray("string", "null"),
                    ["format"] = "date-time",
                };
            }

            // Any JSON value (a checkpoint's data): {} says so in every OpenAPI tool, the boolean schema true does not.
            return node.GetValueKind() == JsonValueKind.True ? new JsonObject() : node;
        },
    };

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
