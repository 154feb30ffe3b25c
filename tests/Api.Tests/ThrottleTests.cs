using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TaskScheduler.SelfHost;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// host.json's HTTP throttles (the Functions host's <c>maxConcurrentRequests</c>/<c>maxOutstandingRequests</c>) hold
/// in SelfHost too: past them a request is refused at once as the Functions host refuses it (429, empty body), and a
/// refused create leaves no task.
/// </summary>
public class ThrottleTests
{
    [Fact]
    public void Host_json_with_its_comments_sets_the_throttles_and_app_settings_override_them()
    {
        var hostJson = Path.Combine(RepoPaths.Root, "host.json");
        var empty = new ConfigurationBuilder().Build();
        Assert.Equal(new HttpThrottles(100, 200), HttpThrottles.From(empty, hostJson));

        var overridden = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:http:maxConcurrentRequests"] = "3",
            ["AzureFunctionsJobHost:extensions:http:maxOutstandingRequests"] = "-1",
        }).Build();
        var throttles = HttpThrottles.From(overridden, hostJson);
        Assert.Equal(new HttpThrottles(3, int.MaxValue), throttles);
        Assert.False(throttles.Unlimited);
        Assert.True(HttpThrottles.From(empty, Path.Combine(RepoPaths.Root, "no-such-host.json")).Unlimited);
    }

    [Fact]
    public async Task Past_the_outstanding_limit_creates_are_refused_with_the_hosts_bare_429_and_leave_no_task()
    {
        await using var host = await SelfHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["AzureFunctionsJobHost__extensions__http__maxConcurrentRequests"] = "1",
            ["AzureFunctionsJobHost__extensions__http__maxOutstandingRequests"] = "2",
        });

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await host.Client.PostAsJsonAsync("tasks", new { name = $"burst-{i}", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(1) });
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, Body: body, RateLimited: response.Headers.Contains("X-RateLimit-Limit"));
        }));

        var created = replies.Count(r => r.StatusCode == HttpStatusCode.Created);
        var refused = replies.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(40, created + refused.Count);
        Assert.InRange(created, 1, 39);
        Assert.All(refused, r =>
        {
            // Refused before the gate: no envelope and no rate-limit headers, which is how a client tells overload
            // from its credential's rate limit (429 rate_limited, in the envelope, with X-RateLimit-*).
            Assert.Equal(string.Empty, r.Body);
            Assert.False(r.RateLimited);
        });

        var (_, listing) = await Poll.UntilAsync(
            () => host.Client.GetJsonAsync("tasks?limit=100"),
            r => r.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            "a listing once the burst is over");
        Assert.Equal(created, listing.GetProperty("meta").GetProperty("total").GetInt32());
        Assert.Equal(created, listing.GetProperty("data").GetArrayLength());
    }
}
