using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;jwt&gt;</c>, validated by <see cref="JsonWebTokenHandler"/>: signature, issuer, audience
/// and lifetime (with <see cref="JwtOptions.ClockSkewSeconds"/> of skew). The algorithm is pinned per key source:
/// HS256 only with the configured symmetric key, RS256 only with the authority's published keys; anything else,
/// <c>none</c> included, is refused before validation. Scopes come from <c>scp</c> (space-separated) and
/// <c>roles</c>; the tier from <see cref="JwtOptions.TierClaim"/>; requests are counted per client
/// (<c>azp</c>, <c>appid</c>, <c>client_id</c>, else <c>sub</c>).
/// </summary>
public sealed partial class JwtAuthenticator
{
    /// <summary>Far above any real token; keeps a hostile header from costing a large parse.</summary>
    public const int MaxTokenLength = 16 * 1024;

    private static readonly string[] ClientClaims = ["azp", "appid", "client_id", "sub"];

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters? _symmetric;
    private readonly TokenValidationParameters? _authority;
    private readonly AuthOptions _options;
    private readonly ILogger<JwtAuthenticator> _logger;

    public JwtAuthenticator(IOptions<AuthOptions> options, ILogger<JwtAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        var jwt = _options.Jwt;
        var skew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds);
        if (!string.IsNullOrEmpty(jwt.SigningKey))
        {
            _symmetric = new TokenValidationParameters
            {
                ValidIssuer = string.IsNullOrWhiteSpace(jwt.Issuer) ? JwtOptions.DefaultName : jwt.Issuer,
                ValidAudience = jwt.EffectiveAudience,
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = skew,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
            };
        }

        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            var authority = new Uri(jwt.Authority.TrimEnd('/') + "/");
            var metadata = new Uri(authority, ".well-known/openid-configuration").ToString();
            _authority = new TokenValidationParameters
            {
                // Keys (and, unless Auth:Jwt:Issuer says otherwise, the issuer) come from the authority's metadata,
                // cached and refreshed by the configuration manager, including when a token names an unknown key.
                ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                    metadata,
                    new OpenIdConnectConfigurationRetriever(),
                    new HttpDocumentRetriever { RequireHttps = !authority.IsLoopback }),
                ValidIssuer = string.IsNullOrWhiteSpace(jwt.Issuer) ? null : jwt.Issuer,
                ValidAudience = jwt.EffectiveAudience,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                ClockSkew = skew,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
            };
        }
    }

    public async ValueTask<AuthenticationResult> AuthenticateAsync(string token)
    {
        if (token.Length > MaxTokenLength || !_handler.CanReadToken(token))
        {
            return AuthenticationResult.Fail("The bearer token is not a JWT.");
        }

        string algorithm;
        try
        {
            algorithm = _handler.ReadJsonWebToken(token).Alg;
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return AuthenticationResult.Fail("The bearer token is not a JWT.");
        }

        var parameters = algorithm switch
        {
            SecurityAlgorithms.HmacSha256 => _symmetric,
            SecurityAlgorithms.RsaSha256 => _authority,
            _ => null,
        };
        if (parameters is null)
        {
            return AuthenticationResult.Fail("The bearer token's algorithm is not accepted.");
        }

        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            if (result.Exception is not SecurityTokenException)
            {
                // Not the token's fault (e.g. the authority's metadata could not be read): worth an operator's look.
                LogValidationError(_logger, result.Exception);
            }

            return AuthenticationResult.Fail(Describe(result.Exception));
        }

        var identity = result.ClaimsIdentity;
        var client = ClientClaims.Select(type => identity.FindFirst(type)?.Value).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        if (client is null)
        {
            return AuthenticationResult.Fail("The bearer token names no client or subject.");
        }

        var scopes = identity.FindAll("scp").Concat(identity.FindAll("roles"))
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(Scopes.IsKnown)
            .ToHashSet(StringComparer.Ordinal);
        var tier = identity.FindFirst(_options.Jwt.TierClaim)?.Value;
        if (tier is null || !_options.Tiers.ContainsKey(tier))
        {
            tier = _options.DefaultTier;
        }

        // One counter per client of one issuer; hashed, so any claim value makes a safe, bounded storage key.
        var issuer = identity.FindFirst("iss")?.Value ?? string.Empty;
        var counter = "jwt-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer + "\n" + client)))[..32];
        return AuthenticationResult.Success(new ApiCaller("jwt:" + client, scopes, tier, counter));
    }

    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenNoExpirationException => "The bearer token has no expiry.",
        SecurityTokenInvalidIssuerException => "The bearer token's issuer is not accepted.",
        SecurityTokenInvalidAudienceException => "The bearer token's audience is not accepted.",
        SecurityTokenInvalidAlgorithmException => "The bearer token's algorithm is not accepted.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The bearer token's signature is not valid.",
        _ => "The bearer token is not valid.",
    };

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "A bearer token could not be validated for a reason other than the token itself")]
    private static partial void LogValidationError(ILogger logger, Exception? exception);
}
