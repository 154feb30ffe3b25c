using System.Globalization;
using System.Text.Json;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Core.Workers;

/// <summary>Validates the bodies of the agent protocol; every attempt call names its worker and attempt.</summary>
public static class AgentRequests
{
    public const int MaxResultChars = 16 * 1024;
    public const int MaxErrorChars = 8 * 1024;
    public const int MaxLogLines = 5000;
    public const int MaxLogLineChars = 8 * 1024;

    /// <summary>The fencing pair: <c>worker_id</c> and <c>attempt</c>.</summary>
    public static (string WorkerId, int Attempt) ParseAttempt(JsonElement body)
    {
        RequireObject(body);
        var errors = new Dictionary<string, string>();
        var workerId = body.TryGetProperty("worker_id", out var w) && w.ValueKind == JsonValueKind.String && WorkerService.IsValidId(w.GetString()) ? w.GetString()! : null;
        if (workerId is null)
        {
            errors["worker_id"] = "is required: the id the worker registered with";
        }

        var attempt = body.TryGetProperty("attempt", out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out var n) && n > 0 ? n : 0;
        if (attempt == 0)
        {
            errors["attempt"] = "is required: a positive integer";
        }

        if (errors.Count > 0)
        {
            throw ApiException.Validation(errors);
        }

        return (workerId!, attempt);
    }

    public static AttemptOutcome ParseOutcome(JsonElement body, bool succeeded)
    {
        var result = Tail(OptionalString(body, "result"), MaxResultChars);
        var error = Tail(OptionalString(body, "error"), MaxErrorChars);
        int? exitCode = body.TryGetProperty("exit_code", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var code) ? code : null;
        if (!succeeded && string.IsNullOrWhiteSpace(error))
        {
            error = exitCode is null ? "The attempt failed." : string.Create(CultureInfo.InvariantCulture, $"Exited with code {exitCode}.");
        }

        return new AttemptOutcome(succeeded, result, succeeded ? null : error, exitCode);
    }

    public static IReadOnlyList<LogEntry> ParseLogLines(JsonElement body, int attempt, DateTimeOffset now)
    {
        if (!body.TryGetProperty("lines", out var lines) || lines.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.Validation("lines", "must be an array of {timestamp, level, message}");
        }

        if (lines.GetArrayLength() > MaxLogLines)
        {
            throw ApiException.Validation("lines", $"must have at most {MaxLogLines} entries per call");
        }

        var entries = new List<LogEntry>(lines.GetArrayLength());
        foreach (var line in lines.EnumerateArray())
        {
            if (line.ValueKind != JsonValueKind.Object
                || !line.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String
                || !line.TryGetProperty("level", out var level) || level.ValueKind != JsonValueKind.String || !LogLevels.All.Contains(level.GetString()))
            {
                throw ApiException.Validation("lines", $"each line needs a string message and a level ({string.Join(", ", LogLevels.All)})");
            }

            var at = line.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String && t.TryGetDateTimeOffset(out var parsed) ? parsed.ToUniversalTime() : now;
            var text = message.GetString()!;
            entries.Add(new LogEntry(Timestamps.Truncate(at), level.GetString()!, text.Length > MaxLogLineChars ? text[..MaxLogLineChars] + " [truncated]" : text, attempt));
        }

        return entries;
    }

    public static (IReadOnlyList<RunningAttempt> Running, WorkerResources Resources) ParseHeartbeat(JsonElement body)
    {
        RequireObject(body);
        var running = new List<RunningAttempt>();
        if (body.TryGetProperty("current_tasks", out var tasks) && tasks.ValueKind != JsonValueKind.Null)
        {
            if (tasks.ValueKind != JsonValueKind.Array || tasks.GetArrayLength() > 1024)
            {
                throw ApiException.Validation("current_tasks", "must be an array of {task_id, attempt}");
            }

            foreach (var item in tasks.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("task_id", out var id) || id.ValueKind != JsonValueKind.String || !TaskIds.IsValid(id.GetString())
                    || !item.TryGetProperty("attempt", out var attempt) || attempt.ValueKind != JsonValueKind.Number || !attempt.TryGetInt32(out var n) || n < 1)
                {
                    throw ApiException.Validation("current_tasks", "each entry needs a task_id and a positive attempt");
                }

                running.Add(new RunningAttempt(id.GetString()!, n));
            }
        }

        var resources = new WorkerResources(0, 0, 0);
        if (body.TryGetProperty("resources", out var r) && r.ValueKind == JsonValueKind.Object)
        {
            resources = new WorkerResources(Fraction(r, "cpu_usage"), Fraction(r, "memory_usage"), Fraction(r, "disk_usage"));
        }

        return (running, resources);
    }

    private static double Fraction(JsonElement resources, string name)
    {
        if (!resources.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d is >= 0 and <= 1
            ? Math.Round(d, 4)
            : throw ApiException.Validation($"resources.{name}", "must be a number between 0 and 1");
    }

    private static string? OptionalString(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Keeps the end of a long text: the last lines of output are the ones that explain a result.</summary>
    private static string? Tail(string? text, int max) => text is null || text.Length <= max ? text : text[^max..];

    private static void RequireObject(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidJson("The request body must be a JSON object.");
        }
    }
}
