using TaskScheduler.AgentProtocol;

namespace TaskScheduler.Core.Workflow;

/// <summary>How an attempt ended, as reported by an agent or decided by the scheduler.</summary>
public sealed record AttemptOutcome(bool Succeeded, string? Result, string? Error, int? ExitCode)
{
    public static AttemptOutcome TimedOut(int seconds) => new(false, null, AttemptErrors.TimedOut(seconds), null);

    public static AttemptOutcome WorkerLost(string workerId) => new(false, null, $"Worker lost: {workerId} stopped heart-beating.", null);

    public static AttemptOutcome Abandoned(string workerId) => new(false, null, $"Worker lost: {workerId} no longer reports this attempt.", null);
}
