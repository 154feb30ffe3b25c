using System.Text.Json.Nodes;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Schedules;
using TaskScheduler.Core.Tasks;
using static TaskScheduler.Core.Api.OpenApi.JsonSchemas;

namespace TaskScheduler.Core.Api.OpenApi;

/// <summary>
/// A JSON request body the API accepts: its fields, as the OpenAPI document shows them. The parsers take the names
/// of the fields they accept from here (any other is a 422), so the document and the parser cannot disagree on them.
/// </summary>
public sealed record RequestBody(string Name, string Description, IReadOnlyDictionary<string, JsonObject> Fields, IReadOnlyList<string> Required)
{
    public IReadOnlySet<string> FieldNames { get; } = Fields.Keys.ToHashSet(StringComparer.Ordinal);

    public JsonObject Schema() => Object(Fields, Required, Description);

    /// <summary>A body of the agent protocol, described by its record as <see cref="AgentJson"/> reads it.</summary>
    public static RequestBody OfAgentRecord<T>(string description)
    {
        var schema = JsonSchemas.Of(typeof(T), AgentJson.Options);
        return new RequestBody(
            typeof(T).Name,
            description,
            schema["properties"]!.AsObject().ToDictionary(p => p.Key, p => (JsonObject)p.Value!.DeepClone()),
            schema["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? []);
    }
}

/// <summary>Every request body, by the name an <see cref="ApiOperationAttribute.Body"/> gives.</summary>
public static class RequestBodies
{
    private static readonly JsonObject Name = String(1, TaskLimits.NameMaxLength, description: "No control characters.");
    private static readonly JsonObject Description = OrNull(String(maxLength: TaskLimits.DescriptionMaxLength));
    private static readonly JsonObject Priority = Integer(TaskLimits.MinPriority, TaskLimits.MaxPriority, TaskDefaults.Priority, "10 is the most urgent.");
    private static readonly JsonObject MaxRetries = Integer(0, TaskLimits.MaxRetries, TaskDefaults.MaxRetries);
    private static readonly JsonObject TimeoutSeconds = Integer(1, TaskLimits.MaxTimeoutSeconds, TaskDefaults.TimeoutSeconds);
    private static readonly JsonObject ScheduledAt = OrNull(DateTime("When to run it, at most 366 days ahead; null or absent: now."));
    private static readonly JsonObject Tags = Array(
        String(1, TaskLimits.TagMaxLength, description: "Letters, digits, '.', '_', ':' or '-', starting with a letter or digit."), TaskLimits.MaxTags);
    private static readonly JsonObject Dependencies = Array(String(description: "A task id."), TaskLimits.MaxDependencies, "Tasks that must complete first (existing, no cycle).");

    public static RequestBody TaskCreate { get; } = new(
        "TaskCreate",
        "A new task.",
        new Dictionary<string, JsonObject>
        {
            ["name"] = Name,
            ["description"] = Description,
            ["command"] = String(1, TaskLimits.CommandMaxLength, description: "Run with /bin/sh -c by an agent."),
            ["priority"] = Priority,
            ["max_retries"] = MaxRetries,
            ["scheduled_at"] = ScheduledAt,
            ["timeout_seconds"] = TimeoutSeconds,
            ["tags"] = Tags,
            ["dependencies"] = Dependencies,
            ["checkpoint_enabled"] = Boolean(false, "Whether the command gets TASK_CHECKPOINT_FILE."),
        },
        ["name", "command"]);

    public static RequestBody TaskUpdate { get; } = new(
        "TaskUpdate",
        "The fields to change: name, description and tags at any time; the others only while the task is pending (else 409).",
        TaskCreate.Fields.Where(f => f.Key is not ("command" or "checkpoint_enabled")).ToDictionary(),
        []);

    /// <summary>The task a schedule's firings make: a new task without <c>scheduled_at</c> and <c>dependencies</c>.</summary>
    private static readonly JsonObject ScheduleTask = Object(
        TaskCreate.Fields.Where(f => f.Key is not ("scheduled_at" or "dependencies")).ToDictionary(),
        TaskCreate.Required,
        "The task each firing makes.");

    private static readonly Dictionary<string, JsonObject> ScheduleFields = new()
    {
        ["name"] = Name,
        ["cron"] = OrNull(String(1, ScheduleDefaults.CronMaxLength, description: "5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first. Exactly one of cron and interval_seconds.")),
        ["interval_seconds"] = Integer(1, ScheduleDefaults.MaxIntervalSeconds, description: "A fixed interval counted from start_at. Exactly one of cron and interval_seconds."),
        ["timezone"] = String(description: "The IANA time zone of cron, e.g. Europe/Berlin (default UTC)."),
        ["start_at"] = OrNull(DateTime()),
        ["end_at"] = OrNull(DateTime("After start_at; no firing after it.")),
        ["overlap_policy"] = Choice(Enum.GetValues<OverlapPolicy>().Select(p => p.ToWire()), OverlapPolicy.Skip.ToWire(), "What a firing does while the previous task has not ended."),
        ["catchup_policy"] = Choice(Enum.GetValues<CatchupPolicy>().Select(p => p.ToWire()), CatchupPolicy.None.ToWire(), "Which firings missed in downtime (within the window) still run."),
        ["catchup_window_seconds"] = Integer(0, ScheduleDefaults.MaxCatchupWindowSeconds, ScheduleDefaults.CatchupWindowSeconds),
        ["paused"] = Boolean(false),
        ["task"] = ScheduleTask,
    };

    public static RequestBody ScheduleCreate { get; } = new("ScheduleCreate", "A new recurring schedule.", ScheduleFields, ["name", "task"]);

    public static RequestBody ScheduleUpdate { get; } = new("ScheduleUpdate", "The fields to change; the next firings are planned again.", ScheduleFields, []);

    public static RequestBody ApiKeyCreate { get; } = new(
        "ApiKeyCreate",
        "A new API key; its secret is shown once, in the reply.",
        new Dictionary<string, JsonObject>
        {
            ["name"] = String(1, ApiKeyService.NameMaxLength, description: "No control characters."),
            ["scopes"] = Array(Choice(Scopes.All), 16),
            ["tier"] = String(description: "A configured rate-limit tier (default: the default tier)."),
        },
        ["name", "scopes"]);

    public static IReadOnlyList<RequestBody> All { get; } =
    [
        TaskCreate, TaskUpdate, ScheduleCreate, ScheduleUpdate, ApiKeyCreate,
        RequestBody.OfAgentRecord<WorkerRegistration>("An agent announces itself; without an id the scheduler makes one."),
        RequestBody.OfAgentRecord<HeartbeatRequest>("The attempts an agent runs, and its resource usage."),
        RequestBody.OfAgentRecord<ClaimRequest>("The agent and the attempt it claims (from the dispatch message)."),
        RequestBody.OfAgentRecord<LogBatch>("Log lines of the running attempt, in order."),
        RequestBody.OfAgentRecord<CompleteRequest>("The attempt's success: its output and exit code."),
        RequestBody.OfAgentRecord<FailRequest>("The attempt's failure: its error, output and exit code."),
        RequestBody.OfAgentRecord<CheckpointRequest>("A JSON object the command saved; worker_id and attempt fence it when given."),
    ];

    /// <exception cref="InvalidOperationException">No body has that name.</exception>
    public static RequestBody Named(string name) =>
        All.FirstOrDefault(b => b.Name == name) ?? throw new InvalidOperationException($"No request body is named {name}.");
}
