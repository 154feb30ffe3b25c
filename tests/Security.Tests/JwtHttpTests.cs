using System.Net;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>Bearer tokens over HTTP, signed with the host's HS256 key.</summary>
[Collection(SecuredHostGroup.Name)]
public class JwtHttpTests(SecuredHost host)
{
    [Fact]
    public async Task A_token_is_allowed_what_its_scopes_say()
    {
        using var reader = host.Client("Bearer " + SecuredHost.Token("tasks:read"));
        Assert.Equal(HttpStatusCode.OK, (await reader.GetJsonAsync("tasks?limit=1")).Status);
        (await reader.PostJsonAsync("tasks", new { name = "x", command = "true" })).AssertError(HttpStatusCode.Forbidden, "forbidden");

        using var writer = host.Client("bearer " + SecuredHost.Token("tasks:read tasks:write"));
        var created = await writer.CreateTaskAsync(new { name = "by token", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(30) });
        Assert.Equal(HttpStatusCode.OK, (await writer.GetJsonAsync($"tasks/{created.GetProperty("id").GetString()}")).Status);
    }

    [Fact]
    public async Task An_admin_role_manages_keys()
    {
        using var admin = host.Client("Bearer " + SecuredHost.Token("admin", subject: "ops"));
        Assert.StartsWith("tsk_", await admin.CreateApiKeyAsync("from a token", ["tasks:read"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_token_says_so()
    {
        using var expired = host.Client("Bearer " + SecuredHost.Token("tasks:read", expiresIn: TimeSpan.FromMinutes(-2)));
        var error = (await expired.GetJsonAsync("tasks")).AssertError(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains("expired", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
