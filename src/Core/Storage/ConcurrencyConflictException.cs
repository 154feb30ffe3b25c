namespace TaskScheduler.Core.Storage;

/// <summary>An ETag-guarded write lost a race: the row changed since it was read.</summary>
public sealed class ConcurrencyConflictException(string message, Exception? inner = null) : Exception(message, inner);
