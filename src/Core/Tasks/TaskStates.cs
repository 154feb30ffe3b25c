namespace TaskScheduler.Core.Tasks;

/// <summary>
/// The state machine of decisions.md: which moves are legal and what each action needs.
/// Every write goes through <see cref="CanMove"/> inside an ETag-guarded update, so a state changes only if it is
/// still the one the change expected (Hangfire's "expected states", done with optimistic concurrency).
/// </summary>
public static class TaskStates
{
    public static readonly IReadOnlyList<TaskState> All = Enum.GetValues<TaskState>();

    private static readonly Dictionary<TaskState, TaskState[]> Moves = new()
    {
        [TaskState.Pending] = [TaskState.Queued, TaskState.Cancelled, TaskState.Failed],
        [TaskState.Queued] = [TaskState.Running, TaskState.Cancelled, TaskState.Pending, TaskState.Failed],
        [TaskState.Running] = [TaskState.Completed, TaskState.Failed, TaskState.Cancelled, TaskState.Pending],
        [TaskState.Completed] = [],
        [TaskState.Failed] = [TaskState.Pending],
        [TaskState.Cancelled] = [TaskState.Pending],
    };

    public static bool CanMove(TaskState from, TaskState to) => Moves[from].Contains(to);

    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;

    /// <summary><c>POST /cancel</c>: pending, queued and running tasks.</summary>
    public static bool CanCancel(this TaskState state) => !state.IsTerminal();

    /// <summary><c>POST /retry</c>: failed and cancelled tasks, even with <c>max_retries</c> spent.</summary>
    public static bool CanRetry(this TaskState state) => state is TaskState.Failed or TaskState.Cancelled;

    /// <summary><c>PUT</c> of priority, scheduled_at, dependencies, max_retries, timeout_seconds.</summary>
    public static bool CanReschedule(this TaskState state) => state == TaskState.Pending;

    /// <summary><c>POST /checkpoint</c>.</summary>
    public static bool AcceptsCheckpoint(this TaskState state) => state == TaskState.Running;

    public static string ToWire(this TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.Queued => "queued",
        TaskState.Running => "running",
        TaskState.Completed => "completed",
        TaskState.Failed => "failed",
        TaskState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? value, out TaskState state)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.Ordinal))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    public static TaskState Parse(string value) =>
        TryParse(value, out var state) ? state : throw new FormatException($"Unknown task state '{value}'.");
}
