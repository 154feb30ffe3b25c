using System.Diagnostics;

namespace TaskScheduler.WorkerAgent;

/// <summary>
/// The agent's lease on the attempts it runs, on the monotonic clock: it ends <c>lease</c> seconds after the last
/// heartbeat (or registration) that the scheduler answered was <em>sent</em>, because the scheduler stamps the
/// worker when the request arrives, never earlier. A lease that has ended is not revived by a late reply: the
/// caller learns it ended, and stops its commands before it renews anything.
/// </summary>
public sealed class AgentLease
{
    private readonly Lock _lock = new();
    private long _endsAt;
    private TimeSpan _duration;

    /// <param name="duration">How long a renewal lasts (the scheduler's <c>lease_seconds</c>).</param>
    /// <param name="sentAt">When the request that started it was sent (a <see cref="Stopwatch.GetTimestamp"/>).</param>
    public AgentLease(TimeSpan duration, long sentAt)
    {
        _duration = duration;
        _endsAt = sentAt + ToTicks(duration);
    }

    public TimeSpan Duration
    {
        get
        {
            lock (_lock)
            {
                return _duration;
            }
        }
    }

    /// <summary>How long until the lease ends; zero or less once it has.</summary>
    public TimeSpan Left
    {
        get
        {
            lock (_lock)
            {
                return Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _endsAt);
            }
        }
    }

    public bool HasEnded => Left <= TimeSpan.Zero;

    /// <summary>A request sent at <paramref name="sentAt"/> was answered: the lease now lasts until then + duration.</summary>
    /// <returns>False if the lease had already ended before this renewal (commands must stop before anything else).</returns>
    public bool Renew(long sentAt, TimeSpan duration)
    {
        lock (_lock)
        {
            var wasLive = Stopwatch.GetTimestamp() < _endsAt;
            _duration = duration;
            _endsAt = Math.Max(_endsAt, sentAt + ToTicks(duration));
            return wasLive;
        }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
