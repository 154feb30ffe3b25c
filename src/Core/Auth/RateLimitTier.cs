namespace TaskScheduler.Core.Auth;

/// <summary>A fixed window: at most <see cref="Limit"/> requests per <see cref="WindowSeconds"/>, per credential.</summary>
public sealed class RateLimitTier
{
    public int Limit { get; set; } = 100;

    public int WindowSeconds { get; set; } = 60;
}
