using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using TaskScheduler.SelfHost;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// SelfHost must never drift from the Functions app: the HTTP functions the Functions host would load (read from
/// the built <c>functions.metadata</c>) and the endpoints SelfHost maps are the same set, and each answers over HTTP.
/// </summary>
public class HostParityTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    /// <summary>(METHOD, api/route) for every HTTP function in the built Functions app.</summary>
    private static HashSet<string> FunctionsAppRoutes()
    {
        var path = RepoPaths.Output("Functions", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build the Functions app first");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in metadata.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray())
            {
                if (binding.GetProperty("type").GetString() != "httpTrigger")
                {
                    continue;
                }

                var route = binding.TryGetProperty("route", out var r) ? r.GetString()! : function.GetProperty("name").GetString()!;
                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    routes.Add($"{method.GetString()!.ToUpperInvariant()} {FunctionEndpoints.RoutePrefix}/{route}");
                }
            }
        }

        return routes;
    }

    /// <summary>(METHOD, api/route) for every endpoint SelfHost maps, read from its routing table.</summary>
    private static HashSet<string> SelfHostRoutes()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["SchedulerStorage"] = TestStorage.ConnectionString;
        builder.Configuration["AzureWebJobsStorage"] = TestStorage.ConnectionString;
        builder.AddSelfHost();
        var app = builder.Build();
        app.UseSelfHost();
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} {endpoint.RoutePattern.RawText!.TrimStart('/')}"))
            .ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public void Every_http_function_is_served_by_SelfHost_and_nothing_else_is()
    {
        var functions = FunctionsAppRoutes();
        var selfHost = SelfHostRoutes();

        Assert.NotEmpty(functions);
        Assert.Empty(functions.Except(selfHost));
        Assert.Empty(selfHost.Except(functions));
    }

    [Fact]
    public async Task Every_http_function_answers_over_http_on_SelfHost()
    {
        foreach (var entry in FunctionsAppRoutes())
        {
            var (method, route) = (entry[..entry.IndexOf(' ', StringComparison.Ordinal)], entry[(entry.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            var path = System.Text.RegularExpressions.Regex.Replace(route[(FunctionEndpoints.RoutePrefix.Length + 1)..], "{[^}]+}", "task-parity");
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await fixture.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode != HttpStatusCode.MethodNotAllowed && !body.Contains("No such endpoint", StringComparison.Ordinal),
                $"{method} {path} is not served by SelfHost: {(int)response.StatusCode} {body}");
            Assert.True((int)response.StatusCode < 500, $"{method} {path}: {(int)response.StatusCode} {body}");
        }
    }
}
