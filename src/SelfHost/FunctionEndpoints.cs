using Microsoft.AspNetCore.Routing;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.SelfHost;

/// <summary>
/// Serves the Functions app's own <c>[HttpTrigger]</c> methods: the route, the methods and the handler are read
/// from the attributes the Functions host reads, so SelfHost cannot drift from the product. A function SelfHost
/// cannot serve as the Functions host would (see <see cref="FunctionInvoker"/>) fails the start, not a request.
/// </summary>
public static class FunctionEndpoints
{
    /// <summary>The Functions host's default <c>extensions.http.routePrefix</c> (host.json keeps it).</summary>
    public const string RoutePrefix = "api";

    /// <summary>
    /// Registers the catalog and an invoker for each of its functions, built now so a function SelfHost cannot
    /// serve stops the start; and the MVC services, which the worker's ASP.NET Core integration registers too
    /// (<c>AddMvc</c> in its <c>UseAspNetCoreIntegration</c>), so every <c>IActionResult</c> a function returns
    /// (<c>OkObjectResult</c>, <c>JsonResult</c>, <c>FileResult</c>, ...) executes the same way on both hosts.
    /// </summary>
    /// <exception cref="InvalidOperationException">A function SelfHost cannot serve, named with the reason.</exception>
    public static IServiceCollection AddFunctions(this IServiceCollection services, HttpFunctionCatalog catalog)
    {
        var invokers = catalog.Functions.Select(FunctionInvoker.For).ToList();
        services.AddSingleton(catalog);
        foreach (var invoker in invokers)
        {
            services.AddSingleton(invoker);
        }

        services.AddMvc();
        return services;
    }

    /// <summary>
    /// Maps every function registered by <see cref="AddFunctions"/>; each endpoint carries its <see cref="HttpFunction"/>
    /// (and so its scope) as metadata for <see cref="AuthorizationMiddleware"/>. The catalog itself refuses a function
    /// without a scope.
    /// </summary>
    public static IEndpointRouteBuilder MapFunctions(this IEndpointRouteBuilder endpoints)
    {
        foreach (var invoker in endpoints.ServiceProvider.GetServices<FunctionInvoker>())
        {
            var function = invoker.Function;
            endpoints.MapMethods($"/{RoutePrefix}/{function.Route}", function.Methods, invoker.InvokeAsync)
                .WithName(function.Name)
                .WithMetadata(function);
        }

        return endpoints;
    }
}
