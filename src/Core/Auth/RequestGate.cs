using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using TaskScheduler.Core.Api;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// The one admission check of every HTTP request, used by both hosts' middleware: authenticate (401), count the
/// request against the caller's tier (429), check the scope (403), check the version (406). Every authenticated
/// request counts, refused or not, so probing for scopes or versions is throttled like anything else.
/// </summary>
public sealed class RequestGate(Authenticator authenticator, RateLimiter limiter, IOptions<AuthOptions> options)
{
    public const string LimitHeader = "X-RateLimit-Limit";
    public const string RemainingHeader = "X-RateLimit-Remaining";
    public const string ResetHeader = "X-RateLimit-Reset";

    private readonly AuthOptions _options = options.Value;

    /// <param name="requiredScope">The endpoint's scope; null where no endpoint matched (a 404 or 405 follows), which
    /// still needs a valid credential.</param>
    public async Task<GateResult> AdmitAsync(StringValues authorization, StringValues accept, string? requiredScope, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>> { new(ApiVersions.HeaderName, ApiVersions.Current) };
        var authentication = await authenticator.AuthenticateAsync(authorization, cancellationToken);
        if (authentication.Caller is not { } caller)
        {
            headers.Add(new("WWW-Authenticate", Authenticator.Challenge));
            return new GateResult(null, new ApiException(401, ErrorCodes.Unauthorized, authentication.Failure ?? "Not authenticated."), headers);
        }

        var tier = _options.Tiers.GetValueOrDefault(caller.Tier) ?? _options.Tiers[_options.DefaultTier];
        var decision = await limiter.AcquireAsync(caller.RateLimitKey, tier, cancellationToken);
        headers.Add(new(LimitHeader, decision.Limit.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new(RemainingHeader, decision.Remaining.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new(ResetHeader, decision.ResetUnixSeconds.ToString(CultureInfo.InvariantCulture)));
        if (!decision.Allowed)
        {
            headers.Add(new("Retry-After", decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture)));
            return new GateResult(caller, new ApiException(
                429,
                ErrorCodes.RateLimited,
                $"Rate limit of {decision.Limit} requests per {tier.WindowSeconds} s reached; retry after {decision.RetryAfterSeconds} s."), headers);
        }

        if (requiredScope is not null && !Scopes.Allows(caller.Scopes, requiredScope))
        {
            return new GateResult(caller, new ApiException(
                403,
                ErrorCodes.Forbidden,
                $"This credential lacks the '{requiredScope}' scope.",
                new Dictionary<string, string> { ["required_scope"] = requiredScope }), headers);
        }

        if (ApiVersions.Unsupported(accept) is { } asked)
        {
            return new GateResult(caller, new ApiException(
                406,
                ErrorCodes.UnsupportedVersion,
                $"API version {asked} is not supported; this API serves version {ApiVersions.Current}.",
                new Dictionary<string, string> { ["supported"] = ApiVersions.Current }), headers);
        }

        return new GateResult(caller, null, headers);
    }
}
