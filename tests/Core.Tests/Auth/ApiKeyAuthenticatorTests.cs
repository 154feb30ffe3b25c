using TaskScheduler.Core.Auth;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

/// <summary>Stored keys against Azurite: hashes, the cache, revocation and the last-used time.</summary>
public class ApiKeyAuthenticatorTests
{
    [Fact]
    public async Task A_created_key_authenticates_with_its_scopes_and_tier_and_is_stored_only_as_a_hash()
    {
        var services = await AuthServices.CreateAsync();
        var key = await services.CreateKeyAsync(["tasks:read", "workers"], "internal");
        ApiKeyFormat.TryGetId(key, out var id);

        var caller = (await services.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller;
        Assert.NotNull(caller);
        Assert.Equal(["tasks:read", "workers"], caller.Scopes.Order());
        Assert.Equal("internal", caller.Tier);
        Assert.Equal("key-" + id, caller.RateLimitKey);

        var row = (await services.Store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(ApiKeyFormat.Hash(key), row.Hash);
        var stored = string.Join("|", row.Name, row.Scopes, row.Tier, Convert.ToBase64String(row.Hash), Convert.ToHexString(row.Hash));
        Assert.DoesNotContain(key[(ApiKeyFormat.Prefix.Length + ApiKeyFormat.IdLength + 1)..], stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_id_with_a_wrong_secret_is_refused()
    {
        var services = await AuthServices.CreateAsync();
        var key = await services.CreateKeyAsync(["tasks:read"]);
        var forged = key[..^2] + (key[^2] == 'x' ? "yy" : "xx");
        Assert.Null((await services.Keys.AuthenticateAsync(forged, CancellationToken.None)).Caller);
        Assert.NotNull((await services.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller);
    }

    [Fact]
    public async Task The_bootstrap_key_is_admin_on_its_tier_and_nothing_close_to_it_is()
    {
        var services = await AuthServices.CreateAsync();
        var caller = (await services.Keys.AuthenticateAsync(AuthServices.BootstrapKey, CancellationToken.None)).Caller;
        Assert.Equal(["admin"], caller!.Scopes);
        Assert.Equal("internal", caller.Tier);
        Assert.Null((await services.Keys.AuthenticateAsync(AuthServices.BootstrapKey + "x", CancellationToken.None)).Caller);
        Assert.Null((await services.Keys.AuthenticateAsync(AuthServices.BootstrapKey[..^1], CancellationToken.None)).Caller);
    }

    [Fact]
    public async Task A_busy_key_is_read_from_storage_once_per_cache_period()
    {
        var services = await AuthServices.CreateAsync();
        var key = await services.CreateKeyAsync(["tasks:read"]);
        services.Calls.Reset();
        for (var i = 0; i < 200; i++)
        {
            Assert.NotNull((await services.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller);
        }

        // One read, plus the one last-used write.
        Assert.InRange(services.Calls.Count, 1, 2);
    }

    [Fact]
    public async Task Revocation_is_immediate_on_the_revoking_instance_and_within_the_cache_period_elsewhere()
    {
        var here = await AuthServices.CreateAsync(o => o.KeyCacheSeconds = 1);
        var elsewhere = await AuthServices.CreateAsync(o => o.KeyCacheSeconds = 1, prefix: here.Prefix);
        var key = await here.CreateKeyAsync(["tasks:read"]);
        ApiKeyFormat.TryGetId(key, out var id);
        Assert.NotNull((await here.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller);
        Assert.NotNull((await elsewhere.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller);

        var revoked = await here.KeyService.RevokeAsync(id, CancellationToken.None);
        Assert.True(revoked.Revoked);
        Assert.Null((await here.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller);
        await Poll.UntilAsync(
            async () => (await elsewhere.Keys.AuthenticateAsync(key, CancellationToken.None)).Caller,
            caller => caller is null,
            TimeSpan.FromSeconds(5),
            "the other instance to see the revocation");
    }

    [Fact]
    public async Task The_last_used_time_is_written_at_most_once_a_minute()
    {
        var services = await AuthServices.CreateAsync(o => o.KeyCacheSeconds = 0);
        var key = await services.CreateKeyAsync(["tasks:read"]);
        ApiKeyFormat.TryGetId(key, out var id);
        var first = services.Clock.GetUtcNow();

        await services.Keys.AuthenticateAsync(key, CancellationToken.None);
        await Poll.UntilAsync(async () => (await services.Store.GetAsync(id, CancellationToken.None))!.LastUsedAt, at => at == first, TimeSpan.FromSeconds(5), "the first use to be recorded");

        services.Clock.Advance(TimeSpan.FromSeconds(30));
        await services.Keys.AuthenticateAsync(key, CancellationToken.None);
        services.Clock.Advance(TimeSpan.FromSeconds(31));
        var third = services.Clock.GetUtcNow();
        await services.Keys.AuthenticateAsync(key, CancellationToken.None);
        await Poll.UntilAsync(async () => (await services.Store.GetAsync(id, CancellationToken.None))!.LastUsedAt, at => at == third, TimeSpan.FromSeconds(5), "the use a minute later to be recorded");
    }

    [Fact]
    public async Task Revoking_an_unknown_or_malformed_id_is_not_found()
    {
        var services = await AuthServices.CreateAsync();
        var missing = await Assert.ThrowsAsync<TaskScheduler.Core.Api.ApiException>(() => services.KeyService.RevokeAsync("0123456789ab", CancellationToken.None));
        Assert.Equal(404, missing.Status);
        var malformed = await Assert.ThrowsAsync<TaskScheduler.Core.Api.ApiException>(() => services.KeyService.RevokeAsync("' or 1 eq 1", CancellationToken.None));
        Assert.Equal(404, malformed.Status);
    }
}
