namespace TaskScheduler.Core.Storage;

/// <summary>The API's tables (names before the <see cref="StorageOptions.StoragePrefix"/>).</summary>
public static class TableNames
{
    /// <summary>One row per task: PartitionKey = task id.</summary>
    public const string Tasks = "tasks";

    /// <summary>Sorted index rows and sharded counters, one partition per status (and per tag and status).</summary>
    public const string TaskIndex = "taskindex";

    /// <summary>Dependency edges, reversed: PartitionKey = the dependency, RowKey = the task that waits for it.</summary>
    public const string Dependents = "dependents";

    /// <summary>One row per worker agent: PartitionKey = worker id.</summary>
    public const string Workers = "workers";

    /// <summary>Log lines in batches: PartitionKey = task id, one row per appended batch.</summary>
    public const string TaskLogs = "tasklogs";

    /// <summary>Which tasks each worker ran: PartitionKey = worker id, RowKey = task id.</summary>
    public const string WorkerTasks = "workertasks";

    /// <summary>Finished-task counters per hour and per day, sharded: PartitionKey = hour|day.</summary>
    public const string Metrics = "metrics";

    /// <summary>API keys, hashed: PartitionKey = key id (see <c>Auth/ApiKeyFormat</c>).</summary>
    public const string ApiKeys = "apikeys";

    /// <summary>One fixed-window counter per credential: PartitionKey = rate-limit key (see <c>Auth/RateLimiter</c>).</summary>
    public const string RateLimits = "ratelimits";

    /// <summary>Idempotency keys and the replies they replay: PartitionKey = hash of credential and route, RowKey = hash of the key.</summary>
    public const string Idempotency = "idempotency";

    /// <summary>Recurring schedules: PartitionKey = schedule id, the schedule as JSON in one column.</summary>
    public const string Schedules = "schedules";

    /// <summary>The tasks each schedule made: PartitionKey = schedule id, RowKey = inverted fire time and task id (newest first).</summary>
    public const string ScheduleRuns = "scheduleruns";

    public static IReadOnlyList<string> All { get; } = [Tasks, TaskIndex, Dependents, Workers, TaskLogs, WorkerTasks, Metrics, ApiKeys, RateLimits, Idempotency, Schedules, ScheduleRuns];
}
