namespace TaskScheduler.Core.Storage;

/// <summary>
/// A running attempt as the index's attempt key tells it: which task, on which worker (null only when read from a
/// row that names none), since when.
/// </summary>
public sealed record AttemptKey(string TaskId, string? WorkerId, int Attempt, DateTimeOffset StartedAt);
