using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>The admin endpoints: create (the key is shown once), list, revoke.</summary>
[Collection(SecuredHostGroup.Name)]
public class ApiKeysApiTests(SecuredHost host)
{
    [Fact]
    public async Task A_created_key_is_shown_once_works_at_once_and_is_listed_without_its_secret()
    {
        var (status, body) = await host.Api.PostJsonAsync("keys", new { name = "ci pipeline", scopes = new[] { "tasks:read", "tasks:write", "tasks:read" } });
        Assert.Equal(HttpStatusCode.Created, status);
        var data = body.GetProperty("data");
        var id = data.GetProperty("id").GetString()!;
        var key = data.GetProperty("key").GetString()!;
        Assert.Matches("^[0-9a-f]{12}$", id);
        Assert.StartsWith($"tsk_{id}_", key, StringComparison.Ordinal);
        Assert.Equal("ci pipeline", data.GetProperty("name").GetString());
        Assert.Equal(["tasks:read", "tasks:write"], data.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("default", data.GetProperty("tier").GetString());
        Assert.False(data.GetProperty("revoked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("last_used_at").ValueKind);

        using var client = host.Client("ApiKey " + key);
        var (created, _) = await client.PostJsonAsync("tasks", new { name = "by key", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(30) });
        Assert.Equal(HttpStatusCode.Created, created);

        var listed = await Poll.UntilAsync(
            async () => (await host.Api.GetJsonAsync("keys?limit=100")).Body.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id),
            k => k.GetProperty("last_used_at").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(10),
            "the key's first use to be recorded");
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.False(listed.TryGetProperty("hash", out _));
        var (_, page) = await host.Api.GetJsonAsync("keys?limit=100");
        Assert.DoesNotContain(key[17..], page.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_on_the_instance_that_revoked_it()
    {
        var key = await host.Api.CreateApiKeyAsync("short-lived", ["tasks:read"]);
        var id = key[4..16];
        using var client = host.Client("ApiKey " + key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetJsonAsync("tasks?limit=1")).Status);

        var (status, body) = await host.Api.PostJsonAsync($"keys/{id}/revoke", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("data").GetProperty("revoked").GetBoolean());
        Assert.Equal(JsonValueKind.String, body.GetProperty("data").GetProperty("revoked_at").ValueKind);

        using var refused = await client.GetAsync("tasks?limit=1");
        await SecuredHost.AssertUnauthorizedAsync(refused, "a revoked key");
        Assert.Equal(HttpStatusCode.OK, (await host.Api.PostJsonAsync($"keys/{id}/revoke", null)).Status);
    }

    [Theory]
    [InlineData("0123456789ab")]
    [InlineData("not-an-id")]
    [InlineData("'%20or%20'1'%20eq%20'1")]
    public async Task Revoking_an_unknown_key_is_not_found(string id) =>
        (await host.Api.PostJsonAsync($"keys/{id}/revoke", null)).AssertError(HttpStatusCode.NotFound, "not_found");

    [Theory]
    [InlineData("""{"scopes": ["tasks:read"]}""", "name")]
    [InlineData("""{"name": "", "scopes": ["tasks:read"]}""", "name")]
    [InlineData("""{"name": "a\u0007b", "scopes": ["tasks:read"]}""", "name")]
    [InlineData("""{"name": "x"}""", "scopes")]
    [InlineData("""{"name": "x", "scopes": []}""", "scopes")]
    [InlineData("""{"name": "x", "scopes": "admin"}""", "scopes")]
    [InlineData("""{"name": "x", "scopes": ["root"]}""", "scopes")]
    [InlineData("""{"name": "x", "scopes": ["tasks:read"], "tier": "platinum"}""", "tier")]
    [InlineData("""{"name": "x", "scopes": ["tasks:read"], "tier": 1}""", "tier")]
    [InlineData("""{"name": "x", "scopes": ["tasks:read"], "hash": "abc"}""", "hash")]
    [InlineData("""{"name": "x", "name": "y", "scopes": ["tasks:read"]}""", "name")]
    public async Task Invalid_key_requests_are_refused_with_the_field_named(string body, string field)
    {
        var error = (await host.Api.PostJsonAsync("keys", body)).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Only_admins_manage_keys_and_a_stored_admin_key_can()
    {
        using var writer = host.Client("ApiKey " + host.Writer);
        (await writer.PostJsonAsync("keys", new { name = "escalate", scopes = new[] { "admin" } })).AssertError(HttpStatusCode.Forbidden, "forbidden");
        (await writer.GetJsonAsync("keys")).AssertError(HttpStatusCode.Forbidden, "forbidden");

        using var admin = host.Client("ApiKey " + host.Admin);
        var key = await admin.CreateApiKeyAsync("made by a stored admin", ["workers"], "internal");
        Assert.StartsWith("tsk_", key, StringComparison.Ordinal);
    }
}
