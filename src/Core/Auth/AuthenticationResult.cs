namespace TaskScheduler.Core.Auth;

/// <summary>A caller, or why there is none (said to the client in the 401, so it never names internals).</summary>
public sealed record AuthenticationResult(ApiCaller? Caller, string? Failure)
{
    public static AuthenticationResult Success(ApiCaller caller) => new(caller, null);

    public static AuthenticationResult Fail(string reason) => new(null, reason);
}
