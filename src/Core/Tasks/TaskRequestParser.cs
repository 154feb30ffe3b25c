using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Api.OpenApi;

namespace TaskScheduler.Core.Tasks;

/// <summary>
/// Turns a request body into a validated request, collecting every bad field into one 422 with
/// field-level details. Unknown fields are rejected too, so a typo ("max_retry") is not silently ignored.
/// </summary>
public static partial class TaskRequestParser
{

    public static NewTaskRequest ParseCreate(JsonElement body, DateTimeOffset now)
    {
        var errors = new Errors();
        RequireObject(body);
        CheckFieldNames(body, RequestBodies.TaskCreate.FieldNames, errors);

        var name = ReadName(body, errors, required: true);
        var description = ReadDescription(body, errors);
        string? command = null;
        if (!body.TryGetProperty("command", out var commandElement) || commandElement.ValueKind == JsonValueKind.Null)
        {
            errors.Add("command", "is required");
        }
        else if (commandElement.ValueKind != JsonValueKind.String)
        {
            errors.Add("command", "must be a string");
        }
        else
        {
            command = commandElement.GetString()!;
            if (string.IsNullOrWhiteSpace(command))
            {
                errors.Add("command", "must not be empty");
            }
            else if (command.Length > TaskLimits.CommandMaxLength)
            {
                errors.Add("command", $"must be at most {TaskLimits.CommandMaxLength} characters");
            }
            else if (command.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add("command", "must not contain NUL characters");
            }
        }

        var priority = ReadInt(body, "priority", TaskLimits.MinPriority, TaskLimits.MaxPriority, errors);
        var maxRetries = ReadInt(body, "max_retries", 0, TaskLimits.MaxRetries, errors);
        var timeout = ReadInt(body, "timeout_seconds", 1, TaskLimits.MaxTimeoutSeconds, errors);
        var scheduledAt = ReadScheduledAt(body, now, errors);
        var tags = ReadTags(body, errors);
        var dependencies = ReadDependencies(body, errors);
        var checkpointEnabled = false;
        if (body.TryGetProperty("checkpoint_enabled", out var checkpointElement) && checkpointElement.ValueKind != JsonValueKind.Null)
        {
            if (checkpointElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                checkpointEnabled = checkpointElement.GetBoolean();
            }
            else
            {
                errors.Add("checkpoint_enabled", "must be a boolean");
            }
        }

        errors.ThrowIfAny();
        return new NewTaskRequest(
            name!,
            description.Or(null),
            command!,
            priority.Or(TaskDefaults.Priority),
            maxRetries.Or(TaskDefaults.MaxRetries),
            scheduledAt.Or(null),
            timeout.Or(TaskDefaults.TimeoutSeconds),
            tags.Or([]),
            dependencies.Or([]),
            checkpointEnabled);
    }

    public static TaskUpdateRequest ParseUpdate(JsonElement body, DateTimeOffset now)
    {
        var errors = new Errors();
        RequireObject(body);
        CheckFieldNames(body, RequestBodies.TaskUpdate.FieldNames, errors);
        if (body.TryGetProperty("command", out _))
        {
            errors.Add("command", "cannot be changed; create a new task instead");
        }

        var request = new TaskUpdateRequest
        {
            Name = body.TryGetProperty("name", out _) ? Optional.Of<string>(ReadName(body, errors, required: true) ?? string.Empty) : default,
            Description = ReadDescription(body, errors),
            Priority = ReadInt(body, "priority", TaskLimits.MinPriority, TaskLimits.MaxPriority, errors),
            MaxRetries = ReadInt(body, "max_retries", 0, TaskLimits.MaxRetries, errors),
            TimeoutSeconds = ReadInt(body, "timeout_seconds", 1, TaskLimits.MaxTimeoutSeconds, errors),
            ScheduledAt = ReadScheduledAt(body, now, errors),
            Tags = ReadTags(body, errors),
            Dependencies = ReadDependencies(body, errors),
        };
        errors.ThrowIfAny();
        return request;
    }

    /// <summary>A tag becomes part of a storage key: a small, safe alphabet, documented in docs/api.md ("Limits").</summary>
    public static bool IsValidTag(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    internal static void RequireObject(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidJson("The request body must be a JSON object.");
        }
    }

    /// <summary>Rejects unknown and repeated fields. <c>command</c> passes here: PUT reports it with its own reason.</summary>
    internal static void CheckFieldNames(JsonElement body, IReadOnlySet<string> allowed, Errors errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                errors.Add(Truncate(property.Name), "is given more than once");
            }
            else if (!allowed.Contains(property.Name) && property.Name != "command")
            {
                errors.Add(Truncate(property.Name), "is not a known field");
            }
        }
    }

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64] + "...";

    internal static string? ReadName(JsonElement body, Errors errors, bool required)
    {
        if (!body.TryGetProperty("name", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add("name", "is required");
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add("name", "must be a string");
            return null;
        }

        var name = element.GetString()!;
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("name", "must not be empty");
        }
        else if (name.Length > TaskLimits.NameMaxLength)
        {
            errors.Add("name", $"must be at most {TaskLimits.NameMaxLength} characters");
        }
        else if (name.Any(char.IsControl))
        {
            errors.Add("name", "must not contain control characters");
        }

        return name;
    }

    private static Optional<string?> ReadDescription(JsonElement body, Errors errors)
    {
        if (!body.TryGetProperty("description", out var element))
        {
            return default;
        }

        if (element.ValueKind == JsonValueKind.Null)
        {
            return Optional.Of<string?>(null);
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add("description", "must be a string or null");
            return default;
        }

        var description = element.GetString()!;
        if (description.Length > TaskLimits.DescriptionMaxLength)
        {
            errors.Add("description", $"must be at most {TaskLimits.DescriptionMaxLength} characters");
        }
        else if (description.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add("description", "must not contain NUL characters");
        }

        return Optional.Of<string?>(description);
    }

    internal static Optional<int> ReadInt(JsonElement body, string field, int min, int max, Errors errors)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return default;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value))
        {
            errors.Add(field, $"must be an integer between {min} and {max}");
            return default;
        }

        if (value < min || value > max)
        {
            errors.Add(field, $"must be between {min} and {max}");
            return default;
        }

        return Optional.Of<int>(value);
    }

    private static Optional<DateTimeOffset?> ReadScheduledAt(JsonElement body, DateTimeOffset now, Errors errors)
    {
        var value = ReadTimestamp(body, "scheduled_at", errors);
        if (value is { HasValue: true, Value: { } at } && at > now + TaskLimits.MaxScheduleAhead)
        {
            errors.Add("scheduled_at", "must be at most 366 days in the future");
            return default;
        }

        return value;
    }

    /// <summary>An ISO 8601 date-time after the year 2000, or null; in UTC, truncated to milliseconds.</summary>
    internal static Optional<DateTimeOffset?> ReadTimestamp(JsonElement body, string field, Errors errors)
    {
        if (!body.TryGetProperty(field, out var element))
        {
            return default;
        }

        if (element.ValueKind == JsonValueKind.Null)
        {
            return Optional.Of<DateTimeOffset?>(null);
        }

        if (element.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            || !LooksLikeIso8601(element.GetString()!))
        {
            errors.Add(field, "must be an ISO 8601 date-time, e.g. 2030-01-01T12:00:00Z");
            return default;
        }

        if (value.Year < 2000)
        {
            errors.Add(field, "must be after the year 2000");
            return default;
        }

        return Optional.Of<DateTimeOffset?>(Timestamps.Truncate(value.ToUniversalTime()));
    }

    private static bool LooksLikeIso8601(string value) => Iso8601Pattern().IsMatch(value);

    private static Optional<IReadOnlyList<string>> ReadTags(JsonElement body, Errors errors)
    {
        var list = ReadStringArray(body, "tags", TaskLimits.MaxTags, errors);
        if (!list.HasValue)
        {
            return list;
        }

        foreach (var tag in list.Value)
        {
            if (!IsValidTag(tag))
            {
                errors.Add("tags", $"each tag must be 1-{TaskLimits.TagMaxLength} characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
                return default;
            }
        }

        return list;
    }

    private static Optional<IReadOnlyList<string>> ReadDependencies(JsonElement body, Errors errors)
    {
        var list = ReadStringArray(body, "dependencies", TaskLimits.MaxDependencies, errors);
        if (list.HasValue && list.Value.Any(id => !TaskIds.IsValid(id)))
        {
            errors.Add("dependencies", "each dependency must be a task id");
            return default;
        }

        return list;
    }

    /// <summary>Reads an array of strings, dropping duplicates but keeping the order given.</summary>
    private static Optional<IReadOnlyList<string>> ReadStringArray(JsonElement body, string field, int maxCount, Errors errors)
    {
        if (!body.TryGetProperty(field, out var element))
        {
            return default;
        }

        if (element.ValueKind == JsonValueKind.Null)
        {
            return Optional.Of<IReadOnlyList<string>>([]);
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            errors.Add(field, "must be an array of strings");
            return default;
        }

        var values = new List<string>();
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                errors.Add(field, "must be an array of strings");
                return default;
            }

            var value = item.GetString()!;
            if (!values.Contains(value, StringComparer.Ordinal))
            {
                values.Add(value);
            }
        }

        if (values.Count > maxCount)
        {
            errors.Add(field, $"must have at most {maxCount} entries");
            return default;
        }

        return Optional.Of<IReadOnlyList<string>>(values);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601Pattern();

    /// <summary>Every bad field of a body, reported together in one 422.</summary>
    internal sealed class Errors
    {
        private readonly Dictionary<string, string> _details = new(StringComparer.Ordinal);

        public void Add(string field, string reason) => _details.TryAdd(field, reason);

        public bool Has(string field) => _details.ContainsKey(field);

        public void ThrowIfAny()
        {
            if (_details.Count > 0)
            {
                throw ApiException.Validation(_details);
            }
        }
    }
}
