namespace TaskScheduler.Core.Auth;

/// <summary>The answer for one request, and what the <c>X-RateLimit-*</c> headers say.</summary>
public sealed record RateLimitDecision(bool Allowed, int Limit, int Remaining, long ResetUnixSeconds, int RetryAfterSeconds);
