using System.Globalization;
using System.Net;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>Rate limits over HTTP, on the <c>tiny</c> tier (5 per day-long window), on one instance and on two.</summary>
[Collection(SecuredHostGroup.Name)]
public class RateLimitHttpTests(SecuredHost host)
{
    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    [Fact]
    public async Task A_key_gets_its_tiers_limit_with_headers_then_a_429_with_retry_after()
    {
        using var client = host.Client("ApiKey " + await host.Api.CreateApiKeyAsync("tiny", ["tasks:read"], "tiny"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var reset = now - (now % 86400) + 86400;
        for (var i = 1; i <= SecuredHost.TinyLimit; i++)
        {
            using var response = await client.GetAsync("tasks?limit=1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("5", Header(response, "X-RateLimit-Limit"));
            Assert.Equal((SecuredHost.TinyLimit - i).ToString(CultureInfo.InvariantCulture), Header(response, "X-RateLimit-Remaining"));
            Assert.Equal(reset.ToString(CultureInfo.InvariantCulture), Header(response, "X-RateLimit-Reset"));
        }

        using var limited = await client.GetAsync("tasks?limit=1");
        var body = await limited.Content.ReadAsStringAsync();
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.Contains("\"code\":\"rate_limited\"", body, StringComparison.Ordinal);
        Assert.Equal("0", Header(limited, "X-RateLimit-Remaining"));
        var retryAfter = limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        Assert.InRange(retryAfter, reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 2, reset - now + 1);
    }

    [Fact]
    public async Task Every_authenticated_reply_carries_the_headers_refusals_included()
    {
        using var reader = host.Client("ApiKey " + await host.Api.CreateApiKeyAsync("headers", ["tasks:read"], "internal"));
        foreach (var (method, path, status) in new[]
                 {
                     (HttpMethod.Get, "tasks/task-missing", HttpStatusCode.NotFound),
                     (HttpMethod.Get, "tasks?limit=0", HttpStatusCode.BadRequest),
                     (HttpMethod.Post, "tasks", HttpStatusCode.Forbidden),
                     (HttpMethod.Get, "nothing-here", HttpStatusCode.NotFound),
                 })
        {
            using var response = await reader.SendAsync(new HttpRequestMessage(method, path));
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("10000000", Header(response, "X-RateLimit-Limit"));
            Assert.True(long.Parse(Header(response, "X-RateLimit-Remaining"), CultureInfo.InvariantCulture) < 10_000_000);
            Assert.True(long.Parse(Header(response, "X-RateLimit-Reset"), CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            Assert.Equal("1.0", Header(response, "API-Version"));
        }
    }

    [Fact]
    public async Task Two_instances_together_serve_no_more_than_the_limit()
    {
        await using var second = await SelfHostProcess.StartAsync(SecuredHost.BaseSettings, prefix: host.Host.Prefix);
        var key = await host.Api.CreateApiKeyAsync("two instances", ["tasks:read"], "tiny");
        using var first = host.Client("ApiKey " + key);
        using var other = second.CreateClient("ApiKey " + key);
        var served = 0;
        for (var i = 0; i < 12; i++)
        {
            using var response = await (i % 2 == 0 ? first : other).GetAsync("tasks?limit=1");
            Assert.True(response.StatusCode is HttpStatusCode.OK or (HttpStatusCode)429, $"{(int)response.StatusCode}");
            served += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(SecuredHost.TinyLimit, served);
    }

    [Fact]
    public async Task Tokens_are_limited_per_client_on_the_tier_they_carry()
    {
        using var alice = host.Client("Bearer " + SecuredHost.Token("tasks:read", subject: "alice-" + Guid.NewGuid(), tier: "tiny"));
        using var bob = host.Client("Bearer " + SecuredHost.Token("tasks:read", subject: "bob-" + Guid.NewGuid(), tier: "tiny"));
        for (var i = 0; i < SecuredHost.TinyLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("tasks?limit=1")).StatusCode);
        }

        Assert.Equal((HttpStatusCode)429, (await alice.GetAsync("tasks?limit=1")).StatusCode);
        using var response = await bob.GetAsync("tasks?limit=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("5", Header(response, "X-RateLimit-Limit"));
    }
}
