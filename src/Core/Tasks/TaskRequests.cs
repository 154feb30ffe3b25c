namespace TaskScheduler.Core.Tasks;

/// <summary>A validated <c>POST /tasks</c> body.</summary>
public sealed record NewTaskRequest(
    string Name,
    string? Description,
    string Command,
    int Priority,
    int MaxRetries,
    DateTimeOffset? ScheduledAt,
    int TimeoutSeconds,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Dependencies,
    bool CheckpointEnabled,
    string? ScheduleId = null);

/// <summary>A validated <c>PUT /tasks/{id}</c> body: only the fields present change.</summary>
public sealed record TaskUpdateRequest
{
    public Optional<string> Name { get; init; }
    public Optional<string?> Description { get; init; }
    public Optional<IReadOnlyList<string>> Tags { get; init; }
    public Optional<int> Priority { get; init; }
    public Optional<DateTimeOffset?> ScheduledAt { get; init; }
    public Optional<IReadOnlyList<string>> Dependencies { get; init; }
    public Optional<int> MaxRetries { get; init; }
    public Optional<int> TimeoutSeconds { get; init; }

    /// <summary>Fields that decisions.md allows only while the task is <c>pending</c>.</summary>
    public bool ChangesScheduling =>
        Priority.HasValue || ScheduledAt.HasValue || Dependencies.HasValue || MaxRetries.HasValue || TimeoutSeconds.HasValue;
}
