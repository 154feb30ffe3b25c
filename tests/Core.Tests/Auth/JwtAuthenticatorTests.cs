using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TaskScheduler.Core.Auth;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

/// <summary>Bearer tokens: what the validation checks, and that the algorithm is pinned to the key source.</summary>
public class JwtAuthenticatorTests
{
    private static readonly JsonWebTokenHandler Handler = new();

    private static SigningCredentials Hs256(string key = AuthServices.SigningKey) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256);

    private static string Token(
        SigningCredentials? credentials,
        Dictionary<string, object>? claims = null,
        string issuer = "taskscheduler",
        string audience = "taskscheduler",
        TimeSpan? expiresIn = null,
        TimeSpan? notBeforeIn = null)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(5));
        var notBefore = now + (notBeforeIn ?? TimeSpan.FromMinutes(-1));
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims ?? new Dictionary<string, object> { ["sub"] = "alice", ["scp"] = "tasks:read tasks:write" },
            IssuedAt = notBefore < expires ? notBefore : expires.AddMinutes(-1),
            NotBefore = notBefore < expires ? notBefore : expires.AddMinutes(-1),
            Expires = expires,
            SigningCredentials = credentials,
        });
    }

    [Fact]
    public async Task A_valid_hs256_token_gives_its_scopes_tier_and_a_counter_per_client()
    {
        var services = await AuthServices.CreateAsync(o => o.Tiers["gold"] = new RateLimitTier { Limit = 1000 });
        var result = await services.Tokens.AuthenticateAsync(Token(Hs256(), new() { ["sub"] = "alice", ["azp"] = "client-1", ["scp"] = "tasks:read unknown:scope", ["tier"] = "gold" }));

        var caller = Assert.IsType<ApiCaller>(result.Caller);
        Assert.Equal(["tasks:read"], caller.Scopes.Order());
        Assert.Equal("gold", caller.Tier);
        Assert.Equal("jwt:client-1", caller.Id);
        Assert.StartsWith("jwt-", caller.RateLimitKey, StringComparison.Ordinal);

        var other = await services.Tokens.AuthenticateAsync(Token(Hs256(), new() { ["sub"] = "bob", ["azp"] = "client-1", ["scp"] = "tasks:read" }));
        Assert.Equal(caller.RateLimitKey, other.Caller!.RateLimitKey);
    }

    [Fact]
    public async Task Roles_grant_scopes_and_an_unknown_tier_falls_back_to_the_default()
    {
        var services = await AuthServices.CreateAsync();
        var result = await services.Tokens.AuthenticateAsync(Token(Hs256(), new() { ["sub"] = "svc", ["roles"] = new[] { "workers", "admin" }, ["tier"] = "platinum" }));
        Assert.Equal(["admin", "workers"], result.Caller!.Scopes.Order());
        Assert.Equal(AuthOptions.DefaultTierName, result.Caller.Tier);
    }

    [Fact]
    public async Task Lifetime_is_checked_with_30_seconds_of_skew()
    {
        var services = await AuthServices.CreateAsync();
        Assert.NotNull((await services.Tokens.AuthenticateAsync(Token(Hs256(), expiresIn: TimeSpan.FromSeconds(-10)))).Caller);
        Assert.Equal("The bearer token has expired.", (await services.Tokens.AuthenticateAsync(Token(Hs256(), expiresIn: TimeSpan.FromSeconds(-90)))).Failure);
        Assert.Equal("The bearer token is not valid yet.", (await services.Tokens.AuthenticateAsync(Token(Hs256(), notBeforeIn: TimeSpan.FromMinutes(2), expiresIn: TimeSpan.FromMinutes(10)))).Failure);
    }

    [Fact]
    public async Task Issuer_audience_and_signature_must_match()
    {
        var services = await AuthServices.CreateAsync();
        Assert.Contains("issuer", (await services.Tokens.AuthenticateAsync(Token(Hs256(), issuer: "someone-else"))).Failure, StringComparison.Ordinal);
        Assert.Contains("audience", (await services.Tokens.AuthenticateAsync(Token(Hs256(), audience: "another-api"))).Failure, StringComparison.Ordinal);
        Assert.Contains("signature", (await services.Tokens.AuthenticateAsync(Token(Hs256("a-different-signing-key-0123456789abcdef")))).Failure, StringComparison.Ordinal);

        var token = Token(Hs256());
        var tampered = token[..token.LastIndexOf('.')] + "." + new string('A', 43);
        Assert.Null((await services.Tokens.AuthenticateAsync(tampered)).Caller);
    }

    [Fact]
    public async Task Unsigned_and_unexpected_algorithms_are_refused()
    {
        var services = await AuthServices.CreateAsync();
        var unsigned = Token(credentials: null);
        Assert.EndsWith(".", unsigned, StringComparison.Ordinal);
        Assert.Equal("The bearer token's algorithm is not accepted.", (await services.Tokens.AuthenticateAsync(unsigned)).Failure);

        var hs512 = Token(new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthServices.SigningKey + AuthServices.SigningKey)), SecurityAlgorithms.HmacSha512));
        Assert.Equal("The bearer token's algorithm is not accepted.", (await services.Tokens.AuthenticateAsync(hs512)).Failure);

        // No authority is configured here, so RS256 has no keys to be checked against.
        using var rsa = RSA.Create(2048);
        var rs256 = Token(new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256));
        Assert.Equal("The bearer token's algorithm is not accepted.", (await services.Tokens.AuthenticateAsync(rs256)).Failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30")]
    [InlineData("eyJ'.eyJ'.x'")]
    public async Task Malformed_tokens_are_refused(string token)
    {
        var services = await AuthServices.CreateAsync();
        Assert.Null((await services.Tokens.AuthenticateAsync(token)).Caller);
    }

    [Fact]
    public async Task A_token_naming_no_client_or_subject_is_refused()
    {
        var services = await AuthServices.CreateAsync();
        Assert.Null((await services.Tokens.AuthenticateAsync(Token(Hs256(), new() { ["scp"] = "tasks:read" }))).Caller);
    }

    [Fact]
    public async Task Without_any_jwt_setting_every_bearer_token_is_refused()
    {
        var services = await AuthServices.CreateAsync(o => o.Jwt.SigningKey = null);
        Assert.Null((await services.Tokens.AuthenticateAsync(Token(Hs256()))).Caller);
    }

    [Fact]
    public async Task Rs256_tokens_are_checked_against_the_keys_an_openid_authority_publishes()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "key-1" };
        await using var authority = await OpenIdAuthority.StartAsync(key);
        var services = await AuthServices.CreateAsync(o =>
        {
            o.Jwt.Authority = authority.Url;
            o.Jwt.Audience = "api://taskscheduler";
        });

        var valid = Token(new SigningCredentials(key, SecurityAlgorithms.RsaSha256), new() { ["azp"] = "app-1", ["roles"] = new[] { "tasks:read" } }, issuer: authority.Url, audience: "api://taskscheduler");
        var caller = (await services.Tokens.AuthenticateAsync(valid)).Caller;
        Assert.NotNull(caller);
        Assert.Equal(["tasks:read"], caller.Scopes.Order());

        using var otherRsa = RSA.Create(2048);
        var forged = Token(new SigningCredentials(new RsaSecurityKey(otherRsa) { KeyId = "key-1" }, SecurityAlgorithms.RsaSha256), issuer: authority.Url, audience: "api://taskscheduler");
        Assert.Null((await services.Tokens.AuthenticateAsync(forged)).Caller);

        var wrongIssuer = Token(new SigningCredentials(key, SecurityAlgorithms.RsaSha256), issuer: "https://elsewhere.example", audience: "api://taskscheduler");
        Assert.Null((await services.Tokens.AuthenticateAsync(wrongIssuer)).Caller);

        // The classic confusion: the authority's public key used as an HMAC secret. HS256 only ever meets the
        // configured symmetric key, so this is a bad signature, never a valid token.
        var publicKeyAsSecret = new SymmetricSecurityKey(rsa.ExportSubjectPublicKeyInfo());
        var confused = Token(new SigningCredentials(publicKeyAsSecret, SecurityAlgorithms.HmacSha256), issuer: authority.Url, audience: "api://taskscheduler");
        Assert.Null((await services.Tokens.AuthenticateAsync(confused)).Caller);
    }

    /// <summary>A minimal OpenID Connect authority on loopback: metadata and a JWKS with one RSA key.</summary>
    private sealed class OpenIdAuthority : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OpenIdAuthority(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public static async Task<OpenIdAuthority> StartAsync(RsaSecurityKey key)
        {
            var url = $"http://127.0.0.1:{FreePort.Next()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(url);
            var app = builder.Build();
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = url,
                ["jwks_uri"] = url + "/keys",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }));
            app.MapGet("/keys", () => Results.Json(new Dictionary<string, object>
            {
                ["keys"] = new[] { new Dictionary<string, string> { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = jwk.Kid, ["n"] = jwk.N, ["e"] = jwk.E } },
            }));
            await app.StartAsync();
            return new OpenIdAuthority(app, url);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
