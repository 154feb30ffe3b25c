using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.SelfHost;

/// <summary>
/// Serves the Functions app's own <c>[HttpTrigger]</c> methods: the route, the methods and the handler are read
/// from the attributes the Functions host reads, so SelfHost cannot drift from the product.
/// A parameter SelfHost does not know how to bind fails start-up, not a request.
/// </summary>
public static class FunctionEndpoints
{
    /// <summary>The Functions host's default <c>extensions.http.routePrefix</c> (host.json keeps it).</summary>
    public const string RoutePrefix = "api";

    /// <summary>
    /// Maps every function of the catalog; each endpoint carries its <see cref="HttpFunction"/> (and so its scope)
    /// as metadata for <see cref="AuthorizationMiddleware"/>. The catalog itself refuses a function without a scope.
    /// </summary>
    public static IEndpointRouteBuilder MapFunctions(this IEndpointRouteBuilder endpoints, HttpFunctionCatalog catalog)
    {
        foreach (var function in catalog.Functions)
        {
            var binders = function.Method.GetParameters().Select(CreateBinder).ToArray();
            endpoints.MapMethods($"/{RoutePrefix}/{function.Route}", function.Methods, context => InvokeAsync(context, function, binders))
                .WithName(function.Name)
                .WithMetadata(function);
        }

        return endpoints;
    }

    private static async Task InvokeAsync(HttpContext context, HttpFunction function, Func<HttpContext, object?>[] binders)
    {
        var target = function.Method.IsStatic
            ? null
            : ActivatorUtilities.CreateInstance(context.RequestServices, function.Method.DeclaringType!);
        var arguments = binders.Select(bind => bind(context)).ToArray();
        object? returned;
        try
        {
            returned = function.Method.Invoke(target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        var result = returned switch
        {
            Task<IActionResult> task => await task,
            IActionResult action => action,
            _ => throw new InvalidOperationException($"Function {function.Name} returned {returned?.GetType().Name ?? "null"}; SelfHost serves IActionResult."),
        };
        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }

    private static Func<HttpContext, object?> CreateBinder(ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null)
        {
            return context => context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context => context.RequestAborted;
        }

        // Anything the Functions host binds from an input binding (e.g. [DurableClient]) comes from DI here.
        if (parameter.GetCustomAttributes().Any(a => a is InputBindingAttribute))
        {
            return context => context.RequestServices.GetRequiredService(parameter.ParameterType);
        }

        if (parameter.ParameterType == typeof(string))
        {
            var name = parameter.Name!;
            return context => context.GetRouteValue(name) as string;
        }

        throw new InvalidOperationException(
            $"SelfHost cannot bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}) of {parameter.Member.DeclaringType?.Name}.{parameter.Member.Name}.");
    }
}
