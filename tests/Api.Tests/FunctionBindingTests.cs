using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Api.OpenApi;
using TaskScheduler.Core.Auth;
using TaskScheduler.Functions.Http;
using TaskScheduler.SelfHost;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// SelfHost serves a function only as the Functions host would: a signature or result it cannot reproduce stops the
/// start with the function, the parameter and the reason; what it serves, including the MVC results the worker's
/// ASP.NET Core integration executes, answers over HTTP as it would there.
/// </summary>
public class FunctionBindingTests
{
    public static TheoryData<Type, string> Refusals() => new()
    {
        { typeof(ValueNotInRoute), "parameter 'name' (String) is not a parameter of the route 'things/{id}'" },
        { typeof(RouteValueAsInt), "parameter 'id' (Int32) is the route value 'id' as Int32" },
        { typeof(TakesFunctionContext), "parameter 'context' (FunctionContext) is the FunctionContext" },
        { typeof(TriggerAsRequestData), "parameter 'request' (HttpRequestData) is the [HttpTrigger], which SelfHost binds as HttpRequest only" },
        { typeof(BodyConverter), "parameter 'body' (Thing) is bound by [FromBody]" },
        { typeof(UnknownParameter), "parameter 'logger' (ILogger) is none of what SelfHost binds" },
        { typeof(ReturnsString), "it returns String: SelfHost executes IActionResult or IResult" },
        { typeof(ReturnsBareTask), "it returns Task: SelfHost executes IActionResult or IResult" },
        { typeof(ReturnsTaskOfObject), "it returns Task<Object>: SelfHost executes IActionResult or IResult" },
        { typeof(WritesOutputBinding), "it declares the output binding [QueueOutput]" },
        { typeof(NoPublicConstructor), "its class NoPublicConstructor has no public constructor" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_function_SelfHost_cannot_serve_as_the_Functions_host_would_stops_the_start(Type functions, string reason)
    {
        var catalog = HttpFunctionCatalog.Build([functions]);

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddFunctions(catalog));

        var function = Assert.Single(catalog.Functions);
        Assert.StartsWith($"SelfHost cannot serve HTTP function {function.Name} ({function.EntryPoint}) as the Functions host would: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_function_of_the_app_is_one_SelfHost_serves()
    {
        var catalog = HttpFunctionCatalog.ForFunctionsApp();

        var invokers = new ServiceCollection().AddFunctions(catalog).BuildServiceProvider().GetServices<FunctionInvoker>();

        Assert.Equal(catalog.Functions, invokers.Select(i => i.Function));
    }

    [Theory]
    [InlineData("ok/alpha", "application/json", "{\"name\":\"alpha\"}")]
    [InlineData("json/beta", "application/json", "{\"name\":\"beta\"}")]
    [InlineData("minimal/gamma", "text/plain", "gamma")]
    [InlineData("optional", "text/plain", "(none)")]
    public async Task The_results_the_worker_executes_are_served_the_same_way(string path, string contentType, string body)
    {
        await using var app = await StartAsync(typeof(ServedResults));
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var response = await client.GetAsync($"{FunctionEndpoints.RoutePrefix}/{path}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Only the functions of <paramref name="functions"/>, served as SelfHost serves the app's, on a free port.</summary>
    private static async Task<WebApplication> StartAsync(Type functions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddFunctions(HttpFunctionCatalog.Build([functions]));
        var app = builder.Build();
        app.UseRouting();
        app.MapFunctions();
        // Once started, the app's URLs are the addresses Kestrel bound (the free port it was given).
        await app.StartAsync();
        return app;
    }

    public sealed record Thing(string Name);

    public static class ServedResults
    {
        [Function("OkObject")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static OkObjectResult Ok([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ok/{name}")] HttpRequest request, string name) =>
            new(new Thing(name));

        [Function("Json")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static async Task<JsonResult> JsonAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "json/{name}")] HttpRequest request, string name, CancellationToken cancellationToken)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            return new JsonResult(new Thing(name));
        }

        [Function("Minimal")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static ValueTask<IResult> MinimalAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "minimal/{name}")] HttpRequest request, string name) =>
            ValueTask.FromResult(Results.Text(name));

        [Function("Optional")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static IResult Optional([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "optional/{name?}")] HttpRequest request, string? name) =>
            Results.Text(name ?? "(none)");
    }

    public static class ValueNotInRoute
    {
        [Function("ValueNotInRoute")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things/{id}")] HttpRequest request, string id, string name) =>
            new OkResult();
    }

    public static class RouteValueAsInt
    {
        [Function("RouteValueAsInt")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things/{id}")] HttpRequest request, int id) =>
            new OkResult();
    }

    public static class TakesFunctionContext
    {
        [Function("TakesFunctionContext")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request, FunctionContext context) =>
            new OkResult();
    }

    public static class TriggerAsRequestData
    {
        [Function("TriggerAsRequestData")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequestData request) =>
            new OkResult();
    }

    public static class BodyConverter
    {
        [Function("BodyConverter")]
        [RequiresScope(Scopes.TasksWrite)]
        [ApiOperation("A test function.")]
        public static IActionResult Post([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "things")] HttpRequest request, [Microsoft.Azure.Functions.Worker.Http.FromBody] Thing body) =>
            new OkResult();
    }

    public static class UnknownParameter
    {
        [Function("UnknownParameter")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request, ILogger logger) =>
            new OkResult();
    }

    public static class ReturnsString
    {
        [Function("ReturnsString")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static string Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request) => "text";
    }

    public static class ReturnsBareTask
    {
        [Function("ReturnsBareTask")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static Task Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request) => Task.CompletedTask;
    }

    public static class ReturnsTaskOfObject
    {
        [Function("ReturnsTaskOfObject")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public static Task<object> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request) =>
            Task.FromResult<object>(new OkResult());
    }

    public static class WritesOutputBinding
    {
        [Function("WritesOutputBinding")]
        [RequiresScope(Scopes.TasksWrite)]
        [ApiOperation("A test function.")]
        [QueueOutput("things")]
        public static IActionResult Post([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "things")] HttpRequest request) =>
            new OkResult();
    }

    public sealed class NoPublicConstructor
    {
        private NoPublicConstructor()
        {
        }

        [Function("NoPublicConstructor")]
        [RequiresScope(Scopes.TasksRead)]
        [ApiOperation("A test function.")]
        public IActionResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request) =>
            new OkResult();
    }
}
