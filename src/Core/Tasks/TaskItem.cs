namespace TaskScheduler.Core.Tasks;

/// <summary>A task as the domain sees it. Immutable: changes are <c>with</c> copies written under an ETag.</summary>
public sealed record TaskItem
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Command { get; init; }
    public TaskState Status { get; init; } = TaskState.Pending;
    public int Priority { get; init; } = TaskDefaults.Priority;
    public int RetryCount { get; init; }
    public int MaxRetries { get; init; } = TaskDefaults.MaxRetries;
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ScheduledAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public int TimeoutSeconds { get; init; } = TaskDefaults.TimeoutSeconds;
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> Dependencies { get; init; } = [];
    public string? WorkerId { get; init; }
    public string? Result { get; init; }
    public string? Error { get; init; }

    /// <summary>The last checkpoint as raw JSON text (an object), or null.</summary>
    public string? CheckpointData { get; init; }

    public bool CheckpointEnabled { get; init; }

    /// <summary>The recurring schedule whose firing made the task, or null.</summary>
    public string? ScheduleId { get; init; }

    /// <summary>The number of the current (or last) attempt; 0 before the first dispatch.</summary>
    public int Attempt { get; init; }

    /// <summary>
    /// Automatic retries still allowed in this run: <c>max_retries</c> at creation, one less per automatic retry,
    /// and 0 after a manual retry (which grants exactly one attempt, decisions.md).
    /// </summary>
    public int RetriesLeft { get; init; }

    /// <summary>The W3C trace context of the request that created the task: every later step joins that trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// True when the current attempt's end was reported by its own agent (its command has exited); false when the
    /// scheduler ended it (a cancel, a time-out), so the command may still be stopping on its worker.
    /// </summary>
    public bool EndReportedByWorker { get; init; }

    /// <summary>
    /// Which orchestration drives the task: 1 for tasks created before lifecycle v2 (rows without the column),
    /// 2 since. Events are raised in the shape that orchestration waits for.
    /// </summary>
    public int WorkflowVersion { get; init; } = TaskWorkflowVersions.Current;

    /// <summary>
    /// False until another task registers as waiting for this one (set in this row, under its ETag, before that
    /// task reads this one's state), so the end of a task nobody waits for needs no look-up of its dependents.
    /// True on rows written before the flag existed: they are looked up.
    /// </summary>
    public bool MayHaveDependents { get; init; }

    /// <summary>
    /// The scheduler's own log lines (queued, started, retrying, timed out...), kept in the row so that writing one
    /// costs nothing beyond the transition it reports; the newest <see cref="TaskLimits.SchedulerLogLines"/>.
    /// </summary>
    public IReadOnlyList<Logs.LogEntry> SchedulerLog { get; init; } = [];
}
