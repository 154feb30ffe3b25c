using System.Net;
using TaskScheduler.Core.Auth;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>
/// Walks every route of SelfHost over HTTP: none answers without a valid credential (401), each refuses a valid
/// credential without its scope (403) and serves one with it. The two exceptions, the dashboard's static files and the
/// OpenAPI document (neither holds data), are proved to be exactly these two GET routes here; the dashboard's are
/// examined in <see cref="DashboardAssetTests"/>.
/// </summary>
[Collection(SecuredHostGroup.Name)]
public class RouteAuthorizationTests(SecuredHost host)
{
    public static readonly TheoryData<string> BadAuthorizations = new()
    {
        "",
        "ApiKey",
        "ApiKey ",
        "apikey x",
        "Bearer",
        "Bearer abc",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIiwic2NwIjoiYWRtaW4ifQ.",
        "Basic YWRtaW46YWRtaW4=",
        "Digest username=\"admin\"",
        "ApiKey tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ApiKey ' or 1 eq 1 or '",
        "ApiKey PartitionKey ne ''",
    };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Route route, string? id = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(id ?? "task-route-walk"));
        if (route.Method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public void The_dashboard_and_the_OpenAPI_document_are_the_only_routes_without_a_credential()
    {
        var routes = Routes.OfSelfHost();
        Assert.Equal([Routes.Dashboard, Routes.OpenApiDocument], routes.Where(r => r.IsPublic).Select(r => r.ToString()).Order(StringComparer.Ordinal));
        Assert.True(routes.Count - 2 == Routes.GuardedOfSelfHost().Count);
    }

    [Fact]
    public async Task No_route_answers_without_a_credential()
    {
        using var anonymous = host.Client(null);
        foreach (var route in Routes.GuardedOfSelfHost())
        {
            using var response = await SendAsync(anonymous, route);
            await SecuredHost.AssertUnauthorizedAsync(response, route.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(BadAuthorizations))]
    public async Task No_route_answers_with_a_bad_credential(string authorization)
    {
        using var client = host.Client(authorization);
        foreach (var route in Routes.GuardedOfSelfHost())
        {
            using var response = await SendAsync(client, route);
            await SecuredHost.AssertUnauthorizedAsync(response, $"{route} with '{authorization}'");
        }
    }

    [Fact]
    public async Task Expired_and_foreign_tokens_are_refused_everywhere()
    {
        using var expired = host.Client("Bearer " + SecuredHost.Token("admin", expiresIn: TimeSpan.FromMinutes(-5)));
        using var foreign = host.Client("Bearer " + SecuredHost.Token("admin", audience: "another-api"));
        foreach (var route in Routes.GuardedOfSelfHost())
        {
            using var first = await SendAsync(expired, route);
            await SecuredHost.AssertUnauthorizedAsync(first, $"{route} with an expired token");
            using var second = await SendAsync(foreign, route);
            await SecuredHost.AssertUnauthorizedAsync(second, $"{route} with another API's token");
        }
    }

    [Fact]
    public async Task Unknown_paths_and_methods_need_a_credential_too()
    {
        using var anonymous = host.Client(null);
        foreach (var (method, path) in new[] { ("GET", "nothing-here"), ("GET", "../admin"), ("PATCH", "tasks"), ("DELETE", "tasks"), ("OPTIONS", "tasks/x"), ("GET", "keys/x/revoke") })
        {
            using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            await SecuredHost.AssertUnauthorizedAsync(response, $"{method} {path}");
        }

        using var known = await host.Api.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "tasks"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, known.StatusCode);
        using var missing = await host.Api.GetAsync("nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Every_route_refuses_a_credential_without_its_scope_and_admits_one_with_it()
    {
        var keys = new (string Key, string[] Scopes)[]
        {
            (host.Reader, [Scopes.TasksRead]),
            (host.Writer, [Scopes.TasksWrite]),
            (host.Worker, [Scopes.Workers]),
            (host.Admin, [Scopes.Admin]),
        };
        foreach (var route in Routes.GuardedOfSelfHost())
        {
            foreach (var (key, scopes) in keys)
            {
                using var client = host.Client("ApiKey " + key);
                using var response = await SendAsync(client, route);
                var body = await response.Content.ReadAsStringAsync();
                if (ScopePolicy.Admits(scopes.ToHashSet(), route.Scope))
                {
                    Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
                        $"{route} with {string.Join(' ', scopes)}: {(int)response.StatusCode} {body}");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route} with {string.Join(' ', scopes)}: {(int)response.StatusCode} {body}");
                    Assert.Contains("\"code\":\"forbidden\"", body, StringComparison.Ordinal);
                    Assert.Contains(route.Scope, body, StringComparison.Ordinal);
                }

                Assert.True(response.Headers.Contains("X-RateLimit-Limit"), $"{route}: no rate-limit headers on an authenticated reply");
            }
        }
    }

    [Fact]
    public async Task The_scopes_follow_the_decisions()
    {
        var scopes = Routes.OfSelfHost().ToDictionary(r => r.ToString(), r => r.Scope);
        Assert.Equal(Scopes.TasksRead, scopes["GET /api/tasks"]);
        Assert.Equal(Scopes.TasksRead, scopes["GET /api/tasks/{id}"]);
        Assert.Equal(Scopes.TasksRead, scopes["GET /api/tasks/{id}/logs"]);
        Assert.Equal(Scopes.TasksRead, scopes["GET /api/tasks/{id}/dependents"]);
        Assert.Equal(ScopePolicy.PublicStaticAssets, scopes[Routes.Dashboard]);
        Assert.Equal(ScopePolicy.PublicStaticAssets, scopes[Routes.OpenApiDocument]);
        Assert.Equal(Scopes.TasksWrite, scopes["POST /api/tasks"]);
        Assert.Equal(Scopes.TasksWrite, scopes["PUT /api/tasks/{id}"]);
        Assert.Equal(Scopes.TasksWrite, scopes["DELETE /api/tasks/{id}"]);
        Assert.Equal(Scopes.TasksWrite, scopes["POST /api/tasks/{id}/cancel"]);
        Assert.Equal(Scopes.TasksWrite, scopes["POST /api/tasks/{id}/retry"]);
        foreach (var agentCall in new[] { "POST /api/workers", "POST /api/workers/{id}/heartbeat", "POST /api/tasks/{id}/claim", "POST /api/tasks/{id}/logs", "POST /api/tasks/{id}/complete", "POST /api/tasks/{id}/fail", "POST /api/tasks/{id}/checkpoint" })
        {
            Assert.Equal(Scopes.Workers, scopes[agentCall]);
        }

        Assert.Equal(Scopes.TasksRead, scopes["GET /api/system/status"]);
        Assert.Equal(Scopes.TasksRead, scopes["GET /api/system/metrics"]);
        Assert.Equal(Scopes.Admin, scopes["POST /api/keys"]);
        Assert.Equal(Scopes.Admin, scopes["GET /api/keys"]);
        Assert.Equal(Scopes.Admin, scopes["POST /api/keys/{id}/revoke"]);
    }
}
