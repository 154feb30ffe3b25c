using System.Collections.Immutable;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Storage;
using TaskScheduler.Functions.Http;
using TaskScheduler.Functions.Middleware;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>
/// The Functions app, function by function, from the built <c>functions.metadata</c> (what the Functions host loads):
/// each HTTP function's method declares a scope, and the app's authorisation middleware, invoked for that function
/// as the host would invoke it, refuses a request without a credential before the function runs.
/// </summary>
public sealed class FunctionsAuthorizationTests : IAsyncLifetime
{
    private const string BootstrapKey = "functions-tests-bootstrap-key-0123456789";

    /// <summary>The HTTP functions served without a credential: GET of the dashboard's static files and of the OpenAPI document.</summary>
    private static readonly Dictionary<string, string> PublicFunctions = new(StringComparer.Ordinal)
    {
        ["Dashboard"] = "GET api/dashboard/{*path}",
        ["GetOpenApiDocument"] = "GET api/openapi.json",
    };

    private ServiceProvider? _services;

    private RequestGate Gate => _services!.GetRequiredService<RequestGate>();

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SchedulerStorage"] = TestStorage.ConnectionString,
            ["Scheduler:StoragePrefix"] = TestStorage.NewPrefix(),
            ["Auth:BootstrapAdminKey"] = BootstrapKey,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddSchedulerCore(configuration);
        _services = services.BuildServiceProvider();
        await _services.GetRequiredService<SchedulerStorage>().EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Fact]
    public void Every_http_function_in_the_metadata_is_a_method_that_declares_its_scope()
    {
        var assembly = typeof(TasksApi).Assembly;
        foreach (var (name, entryPoint, route) in Routes.OfFunctionsApp())
        {
            var dot = entryPoint.LastIndexOf('.');
            var type = assembly.GetType(entryPoint[..dot]) ?? throw new Xunit.Sdk.XunitException($"{name}: no type for {entryPoint}");
            var method = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                .Single(m => m.Name == entryPoint[(dot + 1)..] && m.GetCustomAttribute<FunctionAttribute>()?.Name == name);
            var attribute = method.GetCustomAttribute<RequiresScopeAttribute>();
            if (method.GetCustomAttribute<PublicStaticAssetsAttribute>() is not null)
            {
                // The two exemptions: static files (the dashboard's, the OpenAPI document), GET only, and no scope besides.
                Assert.True(PublicFunctions.TryGetValue(name, out var publicRoute) && publicRoute == route, $"{name} ({route}) is public");
                Assert.Null(attribute);
                continue;
            }

            if (method.GetCustomAttribute<AnyCredentialAttribute>() is not null)
            {
                // The unmatched-route answer (404/405): a credential, no scope.
                Assert.Equal(UnmatchedRouteApi.FunctionName, name);
                Assert.Null(attribute);
                continue;
            }

            Assert.True(attribute is not null && Scopes.IsKnown(attribute.Scope), $"{name} ({route}) declares no known scope");
        }
    }

    [Fact]
    public void The_catalog_both_hosts_build_holds_exactly_the_http_functions_of_the_metadata()
    {
        var metadata = Routes.OfFunctionsApp().Select(f => f.EntryPoint).ToHashSet(StringComparer.Ordinal);
        var catalog = HttpFunctionCatalog.ForFunctionsApp().Functions.Select(f => f.EntryPoint).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(metadata.Order(), catalog.Order());
    }

    [Fact]
    public async Task The_functions_middleware_refuses_every_function_without_a_credential()
    {
        var middleware = new AuthorizationMiddleware(Gate, HttpFunctionCatalog.ForFunctionsApp());
        foreach (var (name, entryPoint, route) in Routes.OfFunctionsApp().Where(f => !PublicFunctions.ContainsKey(f.Name)))
        {
            var (context, http) = Invocation(name, entryPoint, authorization: null);
            var ran = false;
            await middleware.Invoke(context, _ =>
            {
                ran = true;
                return Task.CompletedTask;
            });

            Assert.False(ran, $"{name} ({route}) ran without a credential");
            Assert.Equal(StatusCodes.Status401Unauthorized, http.Response.StatusCode);
            using var body = JsonDocument.Parse(((MemoryStream)http.Response.Body).ToArray());
            Assert.Equal("unauthorized", body.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal("ApiKey, Bearer", http.Response.Headers.WWWAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task The_functions_middleware_lets_only_the_public_files_run_without_a_credential()
    {
        var middleware = new AuthorizationMiddleware(Gate, HttpFunctionCatalog.ForFunctionsApp());
        foreach (var name in PublicFunctions.Keys)
        {
            var (_, entryPoint, _) = Routes.OfFunctionsApp().Single(f => f.Name == name);
            var (context, http) = Invocation(name, entryPoint, authorization: null);
            var ran = false;
            await middleware.Invoke(context, _ =>
            {
                ran = true;
                return Task.CompletedTask;
            });

            Assert.True(ran, name);
            Assert.Equal(StatusCodes.Status200OK, http.Response.StatusCode);
        }

        Assert.Equal(PublicFunctions.Keys.Order(StringComparer.Ordinal), HttpFunctionCatalog.ForFunctionsApp().Functions.Where(f => f.IsPublic).Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_functions_middleware_checks_each_functions_scope()
    {
        var middleware = new AuthorizationMiddleware(Gate, HttpFunctionCatalog.ForFunctionsApp());
        var reader = await _services!.GetRequiredService<ApiKeyService>().CreateAsync(
            JsonDocument.Parse("""{"name": "reader", "scopes": ["tasks:read"], "tier": "internal"}""").RootElement, CancellationToken.None);
        foreach (var (name, entryPoint, route) in Routes.OfFunctionsApp().Where(f => !PublicFunctions.ContainsKey(f.Name)))
        {
            var scope = HttpFunctionCatalog.ForFunctionsApp().ScopeOf(entryPoint);
            foreach (var (authorization, scopes) in new[] { ("ApiKey " + BootstrapKey, Scopes.Admin), ("ApiKey " + reader.Key, Scopes.TasksRead) })
            {
                var (context, http) = Invocation(name, entryPoint, authorization);
                var ran = false;
                await middleware.Invoke(context, _ =>
                {
                    ran = true;
                    return Task.CompletedTask;
                });

                var allowed = ScopePolicy.Admits(new HashSet<string> { scopes }, scope);
                Assert.True(ran == allowed, $"{name} ({route}) with {scopes}: ran={ran}");
                Assert.Equal(allowed ? StatusCodes.Status200OK : StatusCodes.Status403Forbidden, http.Response.StatusCode);
                Assert.Equal("1.0", http.Response.Headers["API-Version"].ToString());
                Assert.False(string.IsNullOrEmpty(http.Response.Headers["X-RateLimit-Remaining"].ToString()));
            }
        }
    }

    [Fact]
    public async Task A_function_the_catalog_does_not_know_is_refused()
    {
        var middleware = new AuthorizationMiddleware(Gate, HttpFunctionCatalog.ForFunctionsApp());
        var (context, _) = Invocation("Smuggled", "TaskScheduler.Functions.Http.Smuggled.RunAsync", "ApiKey " + BootstrapKey);
        await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.Invoke(context, _ => Task.CompletedTask));
    }

    private (FunctionContext Context, HttpContext Http) Invocation(string name, string entryPoint, string? authorization)
    {
        var http = new DefaultHttpContext { RequestServices = _services! };
        http.Response.Body = new MemoryStream();
        if (authorization is not null)
        {
            http.Request.Headers.Authorization = authorization;
        }

        return (new InvocationContext(new Definition(name, entryPoint), http, _services!), http);
    }

    /// <summary>What the Functions host hands middleware: the function's definition and, for HTTP, the HttpContext.</summary>
    private sealed class InvocationContext(FunctionDefinition definition, HttpContext http, IServiceProvider services) : FunctionContext
    {
        public override string InvocationId { get; } = Guid.NewGuid().ToString();
        public override string FunctionId => definition.Id;
        public override TraceContext TraceContext => null!;
        public override BindingContext BindingContext => null!;
        public override RetryContext RetryContext => null!;
        public override IServiceProvider InstanceServices { get; set; } = services;
        public override FunctionDefinition FunctionDefinition => definition;

        // The key Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore stores the HttpContext under.
        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object> { ["HttpRequestContext"] = http };
        public override IInvocationFeatures Features => null!;
        public override CancellationToken CancellationToken => CancellationToken.None;
    }

    private sealed class Definition(string name, string entryPoint) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];
        public override string PathToAssembly => typeof(TasksApi).Assembly.Location;
        public override string EntryPoint => entryPoint;
        public override string Id => name;
        public override string Name => name;
        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
