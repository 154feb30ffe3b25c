using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>
/// One SelfHost per test class with the auth settings these tests need, and a key per scope created through the
/// admin API: <see cref="Reader"/> (tasks:read), <see cref="Writer"/> (tasks:write), <see cref="Worker"/>
/// (workers), <see cref="Admin"/> (a stored admin key), and a key on the <c>tiny</c> tier.
/// </summary>
public class SecuredHost : IAsyncLifetime
{
    public const string SigningKey = "security-tests-jwt-signing-key-0123456789";

    /// <summary>A day-long window, so a test never straddles two windows.</summary>
    public const int TinyLimit = 5;

    private SelfHostProcess? _host;

    public SelfHostProcess Host => _host ?? throw new InvalidOperationException("SelfHost is not started.");

    /// <summary>The bootstrap admin client.</summary>
    public HttpClient Api => Host.Client;

    public string Reader { get; private set; } = string.Empty;
    public string Writer { get; private set; } = string.Empty;
    public string Worker { get; private set; } = string.Empty;
    public string Admin { get; private set; } = string.Empty;

    protected virtual IReadOnlyDictionary<string, string> Settings => BaseSettings;

    public static Dictionary<string, string> BaseSettings { get; } = new()
    {
        ["Auth__Jwt__SigningKey"] = SigningKey,
        ["Auth__Tiers__tiny__Limit"] = TinyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Auth__Tiers__tiny__WindowSeconds"] = "86400",
        ["ReconcileTasksSchedule"] = "0 0 * * * *",

        // The bootstrap key every test client sends must never be the limit under test.
        ["Auth__Tiers__internal__Limit"] = "10000000",
    };

    public async Task InitializeAsync()
    {
        _host = await SelfHostProcess.StartAsync(Settings);
        Reader = await Api.CreateApiKeyAsync("reader", ["tasks:read"], "internal");
        Writer = await Api.CreateApiKeyAsync("writer", ["tasks:write"], "internal");
        Worker = await Api.CreateApiKeyAsync("worker", ["workers"], "internal");
        Admin = await Api.CreateApiKeyAsync("admin", ["admin"], "internal");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A client with the given Authorization header (none when null).</summary>
    public HttpClient Client(string? authorization) => Host.CreateClient(authorization);

    /// <summary>An HS256 token for this host's signing key.</summary>
    public static string Token(string scopes, string subject = "alice", string? tier = null, TimeSpan? expiresIn = null, string audience = "taskscheduler")
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["scp"] = scopes };
        if (tier is not null)
        {
            claims["tier"] = tier;
        }

        var expires = DateTime.UtcNow + (expiresIn ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "taskscheduler",
            Audience = audience,
            Claims = claims,
            IssuedAt = expires.AddMinutes(-20),
            NotBefore = expires.AddMinutes(-20),
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Asserts the 401 reply: envelope, challenge and version header, no rate-limit headers.</summary>
    public static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode} {text}");
        Assert.Contains("\"code\":\"unauthorized\"", text, StringComparison.Ordinal);
        Assert.Equal("ApiKey, Bearer", string.Join(", ", response.Headers.WwwAuthenticate.Select(h => h.ToString())));
        Assert.Equal("1.0", response.Headers.GetValues("API-Version").Single());
        Assert.False(response.Headers.Contains("X-RateLimit-Limit"), what);
    }
}
