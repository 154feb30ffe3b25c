using System.Text.Json;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Api.OpenApi;
using TaskScheduler.Core.Tasks;
using static TaskScheduler.Core.Tasks.TaskRequestParser;

namespace TaskScheduler.Core.Schedules;

/// <summary>
/// Turns a <c>POST /schedules</c> or <c>PUT /schedules/{id}</c> body into the schedule it asks for, collecting every
/// bad field into one 422 (the task parser's rules and messages; the template's fields reported as <c>task.name</c>).
/// A PUT names only the fields it changes; giving <c>cron</c> drops the interval and <c>interval_seconds</c> the cron,
/// and <c>task</c> replaces the whole template.
/// </summary>
public static class ScheduleRequestParser
{
    private static readonly Dictionary<string, OverlapPolicy> OverlapPolicies = new(StringComparer.Ordinal)
    {
        ["skip"] = OverlapPolicy.Skip,
        ["allow"] = OverlapPolicy.Allow,
        ["cancel_previous"] = OverlapPolicy.CancelPrevious,
    };

    private static readonly Dictionary<string, CatchupPolicy> CatchupPolicies = new(StringComparer.Ordinal)
    {
        ["none"] = CatchupPolicy.None,
        ["last"] = CatchupPolicy.Last,
        ["all"] = CatchupPolicy.All,
    };

    public static string ToWire(this OverlapPolicy policy) => OverlapPolicies.First(p => p.Value == policy).Key;

    public static string ToWire(this CatchupPolicy policy) => CatchupPolicies.First(p => p.Value == policy).Key;

    public static string ToWire(this ScheduleStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A new schedule from a <c>POST</c> body.</summary>
    public static ScheduleItem ParseCreate(JsonElement body, string id, DateTimeOffset now) => Parse(body, null, id, now);

    /// <summary><paramref name="existing"/> with the fields a <c>PUT</c> body names.</summary>
    public static ScheduleItem ParseUpdate(JsonElement body, ScheduleItem existing, DateTimeOffset now) => Parse(body, existing, existing.Id, now);

    private static ScheduleItem Parse(JsonElement body, ScheduleItem? existing, string id, DateTimeOffset now)
    {
        var errors = new Errors();
        RequireObject(body);
        CheckFieldNames(body, existing is null ? RequestBodies.ScheduleCreate.FieldNames : RequestBodies.ScheduleUpdate.FieldNames, errors);
        var creating = existing is null;

        var name = body.TryGetProperty("name", out _) || creating ? ReadName(body, errors, required: true) : existing!.Name;
        var cron = ReadCron(body, errors);
        var interval = ReadInt(body, "interval_seconds", 1, ScheduleDefaults.MaxIntervalSeconds, errors);
        var zone = ReadZone(body, errors);
        var startAt = ReadTimestamp(body, "start_at", errors);
        var endAt = ReadTimestamp(body, "end_at", errors);
        var overlap = ReadChoice(body, "overlap_policy", OverlapPolicies, errors);
        var catchup = ReadChoice(body, "catchup_policy", CatchupPolicies, errors);
        var window = ReadInt(body, "catchup_window_seconds", 0, ScheduleDefaults.MaxCatchupWindowSeconds, errors);
        var paused = ReadBool(body, "paused", errors);
        var template = ReadTemplate(body, creating, now, errors);

        // A PUT that names one way of recurring replaces the other.
        string? mergedCron;
        int? mergedInterval;
        if (cron.HasValue && interval.HasValue && cron.Value is not null)
        {
            errors.Add("interval_seconds", "cannot be given with cron: give exactly one of them");
            mergedCron = null;
            mergedInterval = null;
        }
        else if (cron is { HasValue: true, Value: not null })
        {
            (mergedCron, mergedInterval) = (cron.Value, null);
        }
        else if (interval.HasValue)
        {
            (mergedCron, mergedInterval) = (null, interval.Value);
        }
        else
        {
            (mergedCron, mergedInterval) = cron.HasValue ? (null, existing?.IntervalSeconds) : (existing?.Cron, existing?.IntervalSeconds);
        }

        if (mergedCron is null && mergedInterval is null && !errors.Has("cron") && !errors.Has("interval_seconds"))
        {
            errors.Add("cron", "give exactly one of cron and interval_seconds");
        }

        var mergedStart = startAt.HasValue ? startAt.Value : existing?.StartAt;
        var mergedEnd = endAt.HasValue ? endAt.Value : existing?.EndAt;
        if (mergedStart is { } start && mergedEnd is { } end && end <= start)
        {
            errors.Add("end_at", "must be after start_at");
        }

        errors.ThrowIfAny();
        return new ScheduleItem
        {
            Id = id,
            Name = name!,
            Cron = mergedCron,
            IntervalSeconds = mergedInterval,
            TimeZone = zone.HasValue ? zone.Value : existing?.TimeZone ?? "UTC",
            StartAt = mergedStart,
            EndAt = mergedEnd,
            OverlapPolicy = overlap.HasValue ? overlap.Value : existing?.OverlapPolicy ?? OverlapPolicy.Skip,
            CatchupPolicy = catchup.HasValue ? catchup.Value : existing?.CatchupPolicy ?? CatchupPolicy.None,
            CatchupWindowSeconds = window.HasValue ? window.Value : existing?.CatchupWindowSeconds ?? ScheduleDefaults.CatchupWindowSeconds,
            Paused = paused.HasValue ? paused.Value : existing?.Paused ?? false,
            Task = template ?? existing!.Task,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
            LastFireAt = existing?.LastFireAt,
            LastTaskId = existing?.LastTaskId,
            Cursor = existing?.Cursor,
            NextFireAt = existing?.NextFireAt,
        };
    }

    private static Optional<string?> ReadCron(JsonElement body, Errors errors)
    {
        if (!body.TryGetProperty("cron", out var element))
        {
            return default;
        }

        if (element.ValueKind == JsonValueKind.Null)
        {
            return Optional.Of<string?>(null);
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString()!.Length > ScheduleDefaults.CronMaxLength)
        {
            errors.Add("cron", $"must be a cron expression of at most {ScheduleDefaults.CronMaxLength} characters");
            return default;
        }

        var expression = element.GetString()!.Trim();
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            if (fields is not (5 or 6))
            {
                throw new Cronos.CronFormatException("wrong number of fields");
            }

            ScheduleRecurrence.ParseCron(expression);
        }
        catch (Cronos.CronFormatException)
        {
            errors.Add("cron", "must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first");
            return default;
        }

        return Optional.Of<string?>(expression);
    }

    private static Optional<string> ReadZone(JsonElement body, Errors errors)
    {
        if (!body.TryGetProperty("timezone", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return default;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 and <= 64 } id || ScheduleRecurrence.FindZone(id) is null)
        {
            errors.Add("timezone", "must be an IANA time zone, e.g. Europe/Berlin or UTC");
            return default;
        }

        return Optional.Of(id);
    }

    private static Optional<T> ReadChoice<T>(JsonElement body, string field, Dictionary<string, T> choices, Errors errors)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return default;
        }

        if (element.ValueKind == JsonValueKind.String && choices.TryGetValue(element.GetString()!, out var value))
        {
            return Optional.Of(value);
        }

        errors.Add(field, $"must be one of: {string.Join(", ", choices.Keys)}");
        return default;
    }

    private static Optional<bool> ReadBool(JsonElement body, string field, Errors errors)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return default;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return Optional.Of(element.GetBoolean());
        }

        errors.Add(field, "must be a boolean");
        return default;
    }

    /// <summary>The task template: <c>POST /tasks</c>'s rules, without the fields of a one-off task.</summary>
    private static ScheduleTemplate? ReadTemplate(JsonElement body, bool required, DateTimeOffset now, Errors errors)
    {
        if (!body.TryGetProperty("task", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add("task", "is required: the task each firing makes (name, command, ...)");
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add("task", "must be an object: the task each firing makes (name, command, ...)");
            return null;
        }

        foreach (var field in new[] { "scheduled_at", "dependencies" })
        {
            if (element.TryGetProperty(field, out _))
            {
                errors.Add("task." + field, "cannot be part of a schedule's task: the schedule decides when it runs");
            }
        }

        try
        {
            return ScheduleTemplate.From(TaskRequestParser.ParseCreate(element, now));
        }
        catch (ApiException ex) when (ex.Details is { } details)
        {
            foreach (var (field, reason) in details)
            {
                errors.Add("task." + field, reason);
            }

            return null;
        }
    }
}
