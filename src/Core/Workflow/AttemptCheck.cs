using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// The answer to "the attempt's timer fired": either the attempt is over (<see cref="Ended"/>, because it ended
/// meanwhile or because it has now been timed out), or it still may run and the timer is armed again for
/// <see cref="CheckAgainAt"/>.
/// </summary>
public sealed record AttemptCheck(TaskChange? Ended, DateTimeOffset? CheckAgainAt)
{
    public static AttemptCheck Over(TaskChange ended) => new(ended, null);

    public static AttemptCheck Later(DateTimeOffset at) => new(null, at);
}
