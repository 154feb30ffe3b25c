namespace TaskScheduler.Core.Auth;

/// <summary>
/// Who made a request, once authenticated: a stable id for logs, the scopes it holds, its rate-limit tier, and the
/// key its requests are counted under (one per API key, one per JWT client).
/// </summary>
public sealed record ApiCaller(string Id, IReadOnlySet<string> Scopes, string Tier, string RateLimitKey);
