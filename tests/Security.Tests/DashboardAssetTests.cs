using System.Net;
using TaskScheduler.Functions.Dashboard;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>
/// The one route served without a credential, <c>GET /api/dashboard/{*path}</c>, serves only the dashboard's own
/// embedded files, confined by its headers, and nothing else: no API data, no other method, no way out of its folder.
/// </summary>
[Collection(SecuredHostGroup.Name)]
public class DashboardAssetTests(SecuredHost host)
{
    private static readonly string[] StaticTypes = ["text/html", "text/javascript", "text/css", "image/svg+xml"];

    [Fact]
    public async Task Every_dashboard_file_is_served_anonymously_with_confining_headers()
    {
        using var anonymous = host.Client(null);
        Assert.Contains("index.html", DashboardAssets.Names);
        Assert.Contains("app.js", DashboardAssets.Names);
        foreach (var name in DashboardAssets.Names.Append(string.Empty))
        {
            using var response = await anonymous.GetAsync("dashboard/" + name);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"dashboard/{name}: {(int)response.StatusCode}");
            Assert.Contains(response.Content.Headers.ContentType!.MediaType!, StaticTypes);
            Assert.StartsWith("default-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.True(response.Headers.CacheControl!.NoCache, $"dashboard/{name}: Cache-Control {response.Headers.CacheControl}");
            Assert.NotNull(response.Headers.ETag);

            // Static means static: no rate-limit counting, no API data, no credential asked or echoed.
            Assert.False(response.Headers.Contains("X-RateLimit-Limit"));
            Assert.False(response.Headers.Contains("WWW-Authenticate"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("\"data\":", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_known_etag_is_answered_with_304_and_the_folder_without_a_slash_redirects()
    {
        using var anonymous = host.Client(null);
        using var first = await anonymous.GetAsync("dashboard/app.js");
        using var again = new HttpRequestMessage(HttpMethod.Get, "dashboard/app.js");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var cached = await anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);

        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Api.BaseAddress };
        using var folder = await noRedirect.GetAsync("dashboard");
        Assert.Equal(HttpStatusCode.PermanentRedirect, folder.StatusCode);
        Assert.Equal("/api/dashboard/", folder.Headers.Location!.OriginalString);
        using var shortAddress = await noRedirect.GetAsync(new Uri(host.Api.BaseAddress!, "/dashboard"));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, shortAddress.StatusCode);
        Assert.Equal("/api/dashboard/", shortAddress.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("dashboard/nothing.js")]
    [InlineData("dashboard/%2e%2e/tasks")]
    [InlineData("dashboard/..%2ftasks")]
    [InlineData("dashboard/..%5ctasks")]
    [InlineData("dashboard/%2e%2e%2f%2e%2e%2fappsettings.json")]
    [InlineData("dashboard/%252e%252e/keys")]
    [InlineData("dashboard/app.js%00")]
    [InlineData("dashboard/./app.js/..%2f..%2fkeys")]
    [InlineData("dashboard//etc/passwd")]
    [InlineData("dashboard/TaskScheduler.Functions.dll")]
    [InlineData("dashboard/INDEX.HTML")]
    public async Task Nothing_outside_the_dashboards_files_is_served_anonymously(string path)
    {
        using var anonymous = host.Client(null);
        using var response = await anonymous.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();

        // Either the dashboard says it has no such file, or the path left the dashboard and met the gate (401); the
        // server may also refuse a malformed path outright (400). Never a file, never API data.
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest,
            $"{path}: {(int)response.StatusCode} {body}");
        Assert.DoesNotContain("\"data\":", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    public async Task Other_methods_on_the_dashboard_need_a_credential(string method)
    {
        using var anonymous = host.Client(null);
        foreach (var path in new[] { "dashboard/", "dashboard/index.html" })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}") };
            using var response = await anonymous.SendAsync(request);
            await SecuredHost.AssertUnauthorizedAsync(response, $"{method} {path}");
        }
    }

    [Fact]
    public async Task The_page_loads_no_script_or_style_from_anywhere_else()
    {
        using var anonymous = host.Client(null);
        var index = await anonymous.GetStringAsync("dashboard/");
        Assert.DoesNotContain("http://", index, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", index, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", index, StringComparison.Ordinal);
        foreach (var name in DashboardAssets.Names.Where(n => n.EndsWith(".js", StringComparison.Ordinal)))
        {
            var script = await anonymous.GetStringAsync("dashboard/" + name);
            Assert.DoesNotContain("innerHTML =", script, StringComparison.Ordinal);
            Assert.DoesNotContain("eval(", script, StringComparison.Ordinal);
            Assert.DoesNotContain("localStorage", script, StringComparison.Ordinal);
        }
    }
}
