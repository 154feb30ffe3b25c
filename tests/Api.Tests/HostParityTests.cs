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
    internal static HashSet<string> FunctionsAppRoutes()
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
        // The unmatched-route function answers 404/405 by design (UnmatchedRouteTests).
        foreach (var entry in FunctionsAppRoutes().Where(r => !r.EndsWith("/{*rest}", StringComparison.Ordinal)))
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

/// <summary>
/// The Functions app is complete: every orchestration and activity SelfHost registers has its Functions wrapper,
/// and every periodic or queue job SelfHost runs has its trigger, in the built functions.metadata.
/// </summary>
public class FunctionsAppCompletenessTests
{
    private static Dictionary<string, string> TriggersByFunction()
    {
        var path = RepoPaths.Output("Functions", "functions.metadata");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        return metadata.RootElement.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f => f.GetProperty("bindings").EnumerateArray().First(b => b.GetProperty("direction").GetString() == "In" && b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).GetProperty("type").GetString()!);
    }

    [Fact]
    public void Every_orchestration_and_activity_SelfHost_registers_has_its_wrapper()
    {
        var triggers = TriggersByFunction();
        foreach (var orchestrator in TaskScheduler.Functions.Orchestrations.DurableRegistration.Orchestrators)
        {
            // A renamed class keeps its registered name in [DurableTask] (version 1 of the task orchestration).
            var name = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<Microsoft.DurableTask.DurableTaskAttribute>(orchestrator)?.Name.Name ?? orchestrator.Name;
            Assert.True(triggers.TryGetValue(name, out var trigger), $"no Functions wrapper for orchestrator {name}");
            Assert.Equal("orchestrationTrigger", trigger);
        }

        foreach (var activity in TaskScheduler.Functions.Orchestrations.DurableRegistration.Activities)
        {
            Assert.True(triggers.TryGetValue(activity.Name, out var trigger), $"no Functions wrapper for activity {activity.Name}");
            Assert.Equal("activityTrigger", trigger);
        }

        var durable = triggers.Where(t => t.Value is "orchestrationTrigger" or "activityTrigger").Select(t => t.Key).Order().ToList();
        Assert.Equal(durable.Count, TaskScheduler.Functions.Orchestrations.DurableRegistration.Orchestrators.Count + TaskScheduler.Functions.Orchestrations.DurableRegistration.Activities.Count);
    }

    [Fact]
    public void Every_timer_and_queue_job_of_SelfHost_has_its_trigger()
    {
        var triggers = TriggersByFunction();
        foreach (var timer in MaintenanceService.TimerFunctions)
        {
            Assert.Equal("timerTrigger", triggers.GetValueOrDefault(timer));
        }

        Assert.Equal("queueTrigger", triggers.GetValueOrDefault(EventOutboxService.QueueFunction));
        Assert.Equal(
            triggers.Where(t => t.Value is "timerTrigger" or "queueTrigger").Select(t => t.Key).Order(),
            MaintenanceService.TimerFunctions.Append(EventOutboxService.QueueFunction).Order());
    }
}
