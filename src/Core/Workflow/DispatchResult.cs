namespace TaskScheduler.Core.Workflow;

/// <summary>
/// What dispatching an attempt did: it is on its queue (or already claimed), with the timeout it runs under; or the
/// task has moved past it (<see cref="Over"/>: handle it as that change); or the previous attempt may still run on
/// its worker, so try again at <see cref="TryAgainAt"/> (at most one attempt of a task runs at a time).
/// </summary>
public sealed record DispatchResult(bool Dispatched, int TimeoutSeconds, TaskChange? Over, DateTimeOffset? TryAgainAt)
{
    public static DispatchResult Sent(int timeoutSeconds) => new(true, timeoutSeconds, null, null);

    public static DispatchResult Passed(TaskChange change) => new(false, 0, change, null);

    public static DispatchResult Wait(DateTimeOffset at) => new(false, 0, null, at);
}
