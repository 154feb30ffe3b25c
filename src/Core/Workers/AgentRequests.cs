using System.Globalization;
using System.Text.Json;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Core.Workers;

/// <summary>
/// Reads the bodies of the agent protocol into their records (<see cref="ProtocolBody"/>: unknown members, wrong
/// types and missing members are 422s) and checks their values; every attempt call names its worker and attempt.
/// </summary>
public static class AgentRequests
{
    private const string WorkerIdRule = "is required: the id the worker registered with";
    private const string AttemptRule = "is required: a positive integer";
    private const string ConcurrencyRule = "must be an integer between 1 and 1024";
    private const string TagsRule = "must be an array of valid tags";
    private const string RunningRule = "each entry needs a task_id and a positive attempt";
    private const string FractionRule = "must be a number between 0 and 1";
    private static readonly string LineRule = $"each line needs a string message and a level ({string.Join(", ", LogLevels.All)})";

    public static WorkerRegistration ParseRegistration(JsonElement body)
    {
        var registration = ProtocolBody.Read<WorkerRegistration>(body, path => path switch
        {
            "id" => PrintableRule(64),
            "hostname" => PrintableRule(255),
            "version" => PrintableRule(64),
            "concurrency" => ConcurrencyRule,
            _ when path.StartsWith("tags", StringComparison.Ordinal) => TagsRule,
            _ => null,
        });
        var errors = new Dictionary<string, string>();
        CheckPrintable(registration.Id, "id", 64, errors);
        if (registration.Id is not null && !errors.ContainsKey("id") && !WorkerService.IsValidId(registration.Id))
        {
            errors["id"] = "must be 1-64 letters, digits, '-' or '_'";
        }

        CheckPrintable(registration.Hostname, "hostname", 255, errors);
        CheckPrintable(registration.Version, "version", 64, errors);
        if (registration.Tags is { } tags && !tags.All(TaskRequestParser.IsValidTag))
        {
            errors["tags"] = TagsRule;
        }

        if (registration.Concurrency is < 1 or > 1024)
        {
            errors["concurrency"] = ConcurrencyRule;
        }

        ThrowIfAny(errors);
        return registration;
    }

    public static ClaimRequest ParseClaim(JsonElement body)
    {
        var claim = ProtocolBody.Read<ClaimRequest>(body, DescribeAttempt);
        CheckAttempt(claim.WorkerId, claim.Attempt);
        return claim;
    }

    public static (string WorkerId, int Attempt, AttemptOutcome Outcome) ParseComplete(JsonElement body)
    {
        var report = ProtocolBody.Read<CompleteRequest>(body, DescribeAttempt);
        CheckAttempt(report.WorkerId, report.Attempt);
        return (report.WorkerId, report.Attempt, new AttemptOutcome(true, Tail(report.Result, AgentLimits.MaxResultChars), null, report.ExitCode));
    }

    public static (string WorkerId, int Attempt, AttemptOutcome Outcome) ParseFail(JsonElement body)
    {
        var report = ProtocolBody.Read<FailRequest>(body, DescribeAttempt);
        CheckAttempt(report.WorkerId, report.Attempt);
        var error = Tail(report.Error, AgentLimits.MaxErrorChars);
        if (string.IsNullOrWhiteSpace(error))
        {
            error = report.ExitCode is null ? "The attempt failed." : string.Create(CultureInfo.InvariantCulture, $"Exited with code {report.ExitCode}.");
        }

        return (report.WorkerId, report.Attempt, new AttemptOutcome(false, Tail(report.Result, AgentLimits.MaxResultChars), error, report.ExitCode));
    }

    public static (string WorkerId, int Attempt, IReadOnlyList<LogEntry> Lines) ParseLogs(JsonElement body, DateTimeOffset now)
    {
        var batch = ProtocolBody.Read<LogBatch>(body, path => path.StartsWith("lines", StringComparison.Ordinal)
            ? path == "lines" ? "must be an array of {timestamp, level, message}" : LineRule
            : DescribeAttempt(path));
        CheckAttempt(batch.WorkerId, batch.Attempt);
        if (batch.Lines.Count > AgentLimits.MaxLogLines)
        {
            throw ApiException.Validation("lines", $"must have at most {AgentLimits.MaxLogLines} entries per call");
        }

        if (batch.Lines.Any(line => !LogLevels.All.Contains(line.Level)))
        {
            throw ApiException.Validation("lines", LineRule);
        }

        var entries = batch.Lines
            .Select(line => new LogEntry(
                Timestamps.Truncate(line.Timestamp?.ToUniversalTime() ?? now),
                line.Level,
                line.Message.Length > AgentLimits.MaxLogLineChars ? line.Message[..AgentLimits.MaxLogLineChars] + " [truncated]" : line.Message,
                batch.Attempt))
            .ToList();
        return (batch.WorkerId, batch.Attempt, entries);
    }

    /// <summary>The attempts a heartbeat reports and the machine's load, each fraction rounded (a missing one is 0).</summary>
    public static (IReadOnlyList<RunningAttempt> Running, WorkerResources Resources) ParseHeartbeat(JsonElement body)
    {
        var heartbeat = ProtocolBody.Read<HeartbeatRequest>(body, path => path switch
        {
            "current_tasks" => "must be an array of {task_id, attempt}",
            _ when path.StartsWith("current_tasks", StringComparison.Ordinal) => RunningRule,
            _ when path.StartsWith("resources.", StringComparison.Ordinal) => FractionRule,
            _ => null,
        });
        var running = heartbeat.CurrentTasks ?? [];
        if (running.Count > AgentLimits.MaxHeartbeatAttempts)
        {
            throw ApiException.Validation("current_tasks", "must be an array of {task_id, attempt}");
        }

        if (running.Any(r => !TaskIds.IsValid(r.TaskId) || r.Attempt < 1))
        {
            throw ApiException.Validation("current_tasks", RunningRule);
        }

        var resources = heartbeat.Resources ?? new WorkerResources();
        return (running, new WorkerResources(
            Fraction(resources.CpuUsage, "cpu_usage"),
            Fraction(resources.MemoryUsage, "memory_usage"),
            Fraction(resources.DiskUsage, "disk_usage")));
    }

    /// <summary>The checkpoint body; the 32 KiB limit and the object check are the lifecycle's.</summary>
    public static CheckpointRequest ParseCheckpoint(JsonElement body)
    {
        var checkpoint = ProtocolBody.Read<CheckpointRequest>(body, path => path == "checkpoint_data" ? "is required: a JSON object" : null);
        return checkpoint.CheckpointData is null
            ? throw ApiException.Validation("checkpoint_data", "is required: a JSON object")
            : checkpoint;
    }

    private static string? DescribeAttempt(string path) => path switch
    {
        "worker_id" => WorkerIdRule,
        "attempt" => AttemptRule,
        _ => null,
    };

    private static void CheckAttempt(string workerId, int attempt)
    {
        var errors = new Dictionary<string, string>();
        if (!WorkerService.IsValidId(workerId))
        {
            errors["worker_id"] = WorkerIdRule;
        }

        if (attempt < 1)
        {
            errors["attempt"] = AttemptRule;
        }

        ThrowIfAny(errors);
    }

    private static double Fraction(double? value, string name) => value switch
    {
        null => 0,
        >= 0 and <= 1 => Math.Round(value.Value, 4),
        _ => throw ApiException.Validation($"resources.{name}", FractionRule),
    };

    private static void CheckPrintable(string? value, string name, int maxLength, Dictionary<string, string> errors)
    {
        if (value is not null && (value.Length is 0 || value.Length > maxLength || value.Any(char.IsControl)))
        {
            errors[name] = PrintableRule(maxLength);
        }
    }

    private static string PrintableRule(int maxLength) => $"must be a string of 1-{maxLength} printable characters";

    private static void ThrowIfAny(Dictionary<string, string> errors)
    {
        if (errors.Count > 0)
        {
            throw ApiException.Validation(errors);
        }
    }

    /// <summary>Keeps the end of a long text: the last lines of output are the ones that explain a result.</summary>
    private static string? Tail(string? text, int max) => text is null || text.Length <= max ? text : text[^max..];
}
