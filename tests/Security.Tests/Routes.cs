using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using TaskScheduler.Functions.Http;
using TaskScheduler.SelfHost;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>One route of a host: its method, its template under <c>api/</c>, and the scope the catalog says it needs.</summary>
public sealed record Route(string Method, string Template, string Scope)
{
    /// <summary>The path to request, relative to <c>/api/</c>, with every parameter filled in.</summary>
    public string Path(string id = "task-route-walk") => Regex.Replace(Template, "{[^}]+}", id);

    /// <summary>Served without a credential: the dashboard's static files, the one deliberate exemption.</summary>
    public bool IsPublic => Scope == TaskScheduler.Core.Auth.ScopePolicy.PublicStaticAssets;

    public override string ToString() => $"{Method} /api/{Template}";
}

public static partial class Routes
{
    /// <summary>The dashboard's static files: served without a credential.</summary>
    public const string Dashboard = "GET /api/dashboard/{*path}";

    /// <summary>The OpenAPI document (decisions.md: no credential needed): the other route served without one.</summary>
    public const string OpenApiDocument = "GET /api/openapi.json";

    /// <summary>Every route of SelfHost that needs a credential: all but <see cref="Dashboard"/> and <see cref="OpenApiDocument"/>.</summary>
    public static IReadOnlyList<Route> GuardedOfSelfHost() => OfSelfHost().Where(r => !r.IsPublic).ToList();

    /// <summary>Every endpoint in SelfHost's routing table (built in-process, as SelfHost builds it), with its scope.</summary>
    public static IReadOnlyList<Route> OfSelfHost()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["SchedulerStorage"] = TestStorage.ConnectionString;
        builder.Configuration["AzureWebJobsStorage"] = TestStorage.ConnectionString;
        builder.AddSelfHost();
        var app = builder.Build();
        app.UseSelfHost();
        var routes = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            // A HEAD reply has no body whose envelope could be checked (the unmatched-route function lists HEAD; its
            // answer is checked by UnmatchedRouteTests).
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Where(method => method != "HEAD").Select(method => new Route(
                method,
                endpoint.RoutePattern.RawText!.TrimStart('/')[(FunctionEndpoints.RoutePrefix.Length + 1)..],
                endpoint.Metadata.GetMetadata<HttpFunction>()?.Scope ?? throw new Xunit.Sdk.XunitException($"{endpoint.DisplayName} carries no function and so no scope"))))
            .ToList();
        Assert.NotEmpty(routes);
        return routes;
    }

    /// <summary>(name, entryPoint, METHOD api/route) of every HTTP function in the built Functions app's functions.metadata.</summary>
    public static IReadOnlyList<(string Name, string EntryPoint, string Route)> OfFunctionsApp()
    {
        var path = RepoPaths.Output("Functions", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build the Functions app first");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var functions = new List<(string, string, string)>();
        foreach (var function in metadata.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "httpTrigger"))
            {
                var name = function.GetProperty("name").GetString()!;
                var route = binding.TryGetProperty("route", out var r) ? r.GetString()! : name;
                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    functions.Add((name, function.GetProperty("entryPoint").GetString()!, $"{method.GetString()!.ToUpperInvariant()} api/{route}"));
                }
            }
        }

        Assert.NotEmpty(functions);
        return functions;
    }
}
