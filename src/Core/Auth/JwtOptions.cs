namespace TaskScheduler.Core.Auth;

/// <summary>
/// Bearer tokens (section <c>Auth:Jwt</c>). HS256 with <see cref="SigningKey"/> for tokens the operators mint
/// themselves; RS256 with the keys an OpenID Connect <see cref="Authority"/> (Entra ID) publishes. Either, both, or
/// neither (then every bearer token is refused).
/// </summary>
public sealed class JwtOptions
{
    /// <summary>The issuer and audience of locally signed tokens when none is configured.</summary>
    public const string DefaultName = "taskscheduler";

    /// <summary>HS256 key: at least 32 bytes of UTF-8.</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OpenID Connect authority, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// The expected <c>iss</c>. Empty: <c>taskscheduler</c> for HS256 tokens, and the authority's own issuer (from
    /// its metadata) for RS256 tokens.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The expected <c>aud</c>. Empty: <c>taskscheduler</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that names the caller's rate-limit tier; a token without it gets <see cref="AuthOptions.DefaultTier"/>.</summary>
    public string TierClaim { get; set; } = "tier";

    /// <summary>Tolerated clock difference for <c>exp</c> and <c>nbf</c>.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    public string EffectiveAudience => string.IsNullOrWhiteSpace(Audience) ? DefaultName : Audience;
}
