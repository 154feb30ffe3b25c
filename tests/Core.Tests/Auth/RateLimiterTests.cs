using Microsoft.Extensions.Time.Testing;
using TaskScheduler.Core.Auth;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

/// <summary>The fixed window against Azurite, on one instance and on several sharing the counter.</summary>
public class RateLimiterTests
{
    [Fact]
    public async Task One_instance_serves_exactly_the_limit_then_refuses_until_the_window_ends()
    {
        var services = await AuthServices.CreateAsync();
        var tier = new RateLimitTier { Limit = 10, WindowSeconds = 60 };
        var now = services.Clock.GetUtcNow().ToUnixTimeSeconds();
        var reset = now - (now % 60) + 60;

        for (var i = 1; i <= 10; i++)
        {
            var decision = await services.Limiter.AcquireAsync("k", tier, CancellationToken.None);
            Assert.True(decision.Allowed, $"request {i}");
            Assert.Equal(10, decision.Limit);
            Assert.Equal(10 - i, decision.Remaining);
            Assert.Equal(reset, decision.ResetUnixSeconds);
        }

        var refused = await services.Limiter.AcquireAsync("k", tier, CancellationToken.None);
        Assert.False(refused.Allowed);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal(reset - now, refused.RetryAfterSeconds);

        // Past the limit, refusals come from memory: a flood costs no storage calls.
        services.Calls.Reset();
        for (var i = 0; i < 100; i++)
        {
            Assert.False((await services.Limiter.AcquireAsync("k", tier, CancellationToken.None)).Allowed);
        }

        Assert.Equal(0, services.Calls.Count);

        services.Clock.SetUtcNow(DateTimeOffset.FromUnixTimeSeconds(reset));
        var next = await services.Limiter.AcquireAsync("k", tier, CancellationToken.None);
        Assert.True(next.Allowed);
        Assert.Equal(9, next.Remaining);
        Assert.Equal(reset + 60, next.ResetUnixSeconds);
    }

    [Fact]
    public async Task Credentials_are_counted_apart()
    {
        var services = await AuthServices.CreateAsync();
        var tier = new RateLimitTier { Limit = 2, WindowSeconds = 60 };
        Assert.True((await services.Limiter.AcquireAsync("a", tier, CancellationToken.None)).Allowed);
        Assert.True((await services.Limiter.AcquireAsync("a", tier, CancellationToken.None)).Allowed);
        Assert.False((await services.Limiter.AcquireAsync("a", tier, CancellationToken.None)).Allowed);
        Assert.True((await services.Limiter.AcquireAsync("b", tier, CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task Leases_cut_storage_calls_to_a_fraction_of_the_requests()
    {
        var services = await AuthServices.CreateAsync();
        var tier = new RateLimitTier { Limit = 10_000, WindowSeconds = 3600 };
        for (var i = 0; i < 1000; i++)
        {
            Assert.True((await services.Limiter.AcquireAsync("busy", tier, CancellationToken.None)).Allowed);
        }

        // Leases of 1, 2, 4, ... 64, then 100: 7 + 9 = 16 writes (plus one read of the absent row) for 1000 requests.
        Assert.InRange(services.Calls.Count, 10, 20);
    }

    [Fact]
    public async Task Several_instances_together_never_serve_more_than_the_limit()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var first = await AuthServices.CreateAsync(clock: clock);
        var instances = new List<AuthServices> { first };
        for (var i = 0; i < 3; i++)
        {
            instances.Add(await AuthServices.CreateAsync(prefix: first.Prefix, clock: clock));
        }

        var tier = new RateLimitTier { Limit = 200, WindowSeconds = 3600 };
        var served = 0;
        await Task.WhenAll(instances.Select(instance => Task.Run(async () =>
        {
            // Each instance asks until it is refused, which happens only once the shared row is spent and its own
            // leases are used up: then every request handed out was served, and the total must be the limit exactly.
            for (var i = 0; i < 1000; i++)
            {
                if (!(await instance.Limiter.AcquireAsync("shared", tier, CancellationToken.None)).Allowed)
                {
                    return;
                }

                Interlocked.Increment(ref served);
            }
        })));

        Assert.Equal(200, served);
        foreach (var instance in instances)
        {
            Assert.False((await instance.Limiter.AcquireAsync("shared", tier, CancellationToken.None)).Allowed);
        }
    }

    [Fact]
    public async Task Concurrent_requests_on_one_instance_share_its_leases()
    {
        var services = await AuthServices.CreateAsync();
        var tier = new RateLimitTier { Limit = 300, WindowSeconds = 3600 };
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => services.Limiter.AcquireAsync("burst", tier, CancellationToken.None).AsTask()));
        Assert.Equal(300, results.Count(r => r.Allowed));
        Assert.Equal(300, results.Where(r => r.Allowed).Select(r => r.Remaining).Distinct().Count());
    }
}
