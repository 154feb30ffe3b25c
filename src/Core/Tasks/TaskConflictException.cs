namespace TaskScheduler.Core.Tasks;

/// <summary>
/// The task's state does not allow the move (a terminal task cancelled, a stale attempt reported, a scheduling
/// field changed after dispatch). Nothing was changed. The HTTP edge answers 409 <c>conflict</c>.
/// </summary>
public sealed class TaskConflictException(string message) : Exception(message);
