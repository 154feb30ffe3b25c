using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TaskScheduler.AgentProtocol;

namespace TaskScheduler.Core.Api;

/// <summary>
/// Reads an agent-protocol request body into its record with <see cref="AgentJson.Options"/>, reporting what the
/// serializer would only throw for as one 422 with a detail per field, like <c>TaskRequestParser</c>: an unknown or
/// repeated member, a missing required one, a value of the wrong JSON type. The names, types, nullability and
/// required members all come from the record's contract, so nothing here repeats the wire format. Whether the values
/// make sense (lengths, ranges, id syntax) is the caller's check, on the record.
/// </summary>
public static class ProtocolBody
{
    /// <param name="body">The parsed body (<c>RequestBody</c> already refused what is not JSON).</param>
    /// <param name="describe">
    /// What a field must be, by its path (<c>attempt</c>, <c>resources.cpu_usage</c>), where the caller words it better
    /// than the type does (and the same words as its value checks); null keeps the generic wording.
    /// </param>
    /// <exception cref="ApiException">400 when the body is not an object; 422 naming every bad field.</exception>
    public static T Read<T>(JsonElement body, Func<string, string?>? describe = null)
        where T : class
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidJson("The request body must be a JSON object.");
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        CheckObject(body, AgentJson.Options.GetTypeInfo(typeof(T)), string.Empty, errors, describe ?? (_ => null));
        if (errors.Count > 0)
        {
            throw ApiException.Validation(errors);
        }

        try
        {
            return body.Deserialize<T>(AgentJson.Options) ?? throw ApiException.InvalidJson("The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            // The checks above mirror the serializer's; should they ever miss a case, it is still the client's 422.
            throw ApiException.Validation(ex.Path is { Length: > 2 } path ? path[2..] : "body", "is not valid here");
        }
    }

    private static void CheckObject(JsonElement element, JsonTypeInfo contract, string prefix, Dictionary<string, string> errors, Func<string, string?> describe)
    {
        var members = contract.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var tolerant = (contract.UnmappedMemberHandling ?? contract.Options.UnmappedMemberHandling) == System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var path = prefix + (property.Name.Length <= 64 ? property.Name : property.Name[..64] + "...");
            if (!seen.Add(property.Name))
            {
                errors.TryAdd(path, "is given more than once");
            }
            else if (members.TryGetValue(property.Name, out var member))
            {
                CheckValue(property.Value, member.PropertyType, AcceptsNull(member), path, errors, describe);
            }
            else if (!tolerant)
            {
                errors.TryAdd(path, "is not a known field");
            }
        }

        foreach (var member in contract.Properties.Where(p => IsRequired(p) && !seen.Contains(p.Name)))
        {
            errors.TryAdd(prefix + member.Name, describe(prefix + member.Name) ?? "is required");
        }
    }

    /// <summary>A <c>required</c> member, or a record's constructor parameter without a default.</summary>
    private static bool IsRequired(JsonPropertyInfo member) =>
        member.IsRequired
        || (member.Options.RespectRequiredConstructorParameters && member.AssociatedParameter is { HasDefaultValue: false, IsMemberInitializer: false });

    private static bool AcceptsNull(JsonPropertyInfo member) => member.AssociatedParameter?.IsNullable ?? member.IsSetNullable;

    private static void CheckValue(JsonElement value, Type type, bool nullable, string path, Dictionary<string, string> errors, Func<string, string?> describe)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (!nullable && Nullable.GetUnderlyingType(type) is null)
            {
                errors.TryAdd(path, describe(path) ?? Expected(underlying));
            }

            return;
        }

        if (underlying == typeof(JsonElement))
        {
            return;
        }

        var contract = AgentJson.Options.GetTypeInfo(underlying);
        switch (contract.Kind)
        {
            case JsonTypeInfoKind.Object when value.ValueKind == JsonValueKind.Object:
                CheckObject(value, contract, path + ".", errors, describe);
                break;
            case JsonTypeInfoKind.Enumerable when value.ValueKind == JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    // One bad entry is enough to say what is wrong; a 5000-line batch must not list 5000.
                    var before = errors.Count;
                    CheckValue(item, contract.ElementType!, nullable: false, $"{path}[{index++}]", errors, describe);
                    if (errors.Count > before)
                    {
                        break;
                    }
                }

                break;
            case JsonTypeInfoKind.None when Fits(value, underlying):
                break;
            default:
                errors.TryAdd(path, describe(path) ?? Expected(underlying));
                break;
        }
    }

    /// <summary>The serializer's own test for a leaf, with the common kinds answered without a round trip.</summary>
    private static bool Fits(JsonElement value, Type type)
    {
        if (type == typeof(string))
        {
            return value.ValueKind == JsonValueKind.String;
        }

        if (type == typeof(int))
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _);
        }

        if (type == typeof(double))
        {
            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out _);
        }

        if (type == typeof(bool))
        {
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False;
        }

        if (type == typeof(DateTimeOffset))
        {
            return value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out _);
        }

        try
        {
            value.Deserialize(type, AgentJson.Options);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Expected(Type type) =>
        type == typeof(string) ? "must be a string"
        : type == typeof(int) ? "must be an integer"
        : type == typeof(double) ? "must be a number"
        : type == typeof(bool) ? "must be a boolean"
        : type == typeof(DateTimeOffset) ? "must be an ISO 8601 date-time"
        : AgentJson.Options.GetTypeInfo(type).Kind == JsonTypeInfoKind.Enumerable ? "must be an array"
        : "must be an object";
}
