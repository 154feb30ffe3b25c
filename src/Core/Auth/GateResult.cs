using TaskScheduler.Core.Api;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// What <see cref="RequestGate"/> decided: the headers every reply carries (version, rate limit, challenge) and
/// either the caller, admitted, or the error to answer with.
/// </summary>
public sealed record GateResult(ApiCaller? Caller, ApiException? Rejection, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public bool Admitted => Rejection is null;
}
