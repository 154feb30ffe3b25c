using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Converters;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.DurableTask.Client;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.SelfHost;

/// <summary>
/// One HTTP function as SelfHost serves it: its arguments bound and its result executed as the Functions worker's
/// ASP.NET Core integration does (Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore), for the subset of
/// signatures SelfHost reproduces exactly. Everything else is refused when the invoker is built (at start), naming
/// the function, the parameter or return type, and the reason, rather than served differently at request time.
/// <para>Served: an <c>[HttpTrigger]</c> <see cref="HttpRequest"/>; a <see cref="CancellationToken"/> (the request's);
/// a <c>[DurableClient]</c> <see cref="DurableTaskClient"/> (SelfHost's own, from DI); a <see cref="string"/> named
/// like a parameter of the route template (its route value, null when an optional one is absent; names compare
/// case-insensitively on both hosts). Results: <see cref="IActionResult"/> (any, executed with the MVC services the
/// worker registers too) or <see cref="IResult"/>, directly or through <see cref="Task{T}"/> /
/// <see cref="ValueTask{T}"/>, the two kinds the worker's proxying middleware executes itself.</para>
/// </summary>
public sealed class FunctionInvoker
{
    private readonly Func<HttpContext, object?>[] _arguments;
    private readonly Func<object?, ValueTask<object?>> _unwrap;

    private FunctionInvoker(HttpFunction function, Func<HttpContext, object?>[] arguments, Func<object?, ValueTask<object?>> unwrap)
    {
        Function = function;
        _arguments = arguments;
        _unwrap = unwrap;
    }

    public HttpFunction Function { get; }

    /// <exception cref="InvalidOperationException">SelfHost cannot serve the function as the Functions host would.</exception>
    public static FunctionInvoker For(HttpFunction function)
    {
        var method = function.Method;
        var routeParameters = RoutePatternFactory.Parse(function.Route).Parameters
            .Select(p => p.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        if (!method.IsStatic && (method.DeclaringType!.IsAbstract || method.DeclaringType.GetConstructors().Length == 0))
        {
            throw Refused(function, $"its class {method.DeclaringType.Name} has no public constructor to create it with, as the worker would for each invocation");
        }

        // Output bindings (a [QueueOutput] on the method, or a type whose properties carry them) are written by the
        // Functions host after the function returns; SelfHost has none of them.
        if (method.GetCustomAttributes().Concat(method.ReturnParameter.GetCustomAttributes()).FirstOrDefault(a => a is OutputBindingAttribute) is { } output)
        {
            throw Refused(function, $"it declares the output binding [{AttributeName(output)}], which SelfHost does not write");
        }

        var arguments = method.GetParameters().Select(p => BindParameter(function, p, routeParameters)).ToArray();
        return new FunctionInvoker(function, arguments, Unwrapper(function, method.ReturnType));
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var method = Function.Method;

        // As the worker's default activator does: a new instance per invocation, its dependencies from the request's scope.
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, method.DeclaringType!);
        var arguments = Array.ConvertAll(_arguments, bind => bind(context));
        object? returned;
        try
        {
            returned = method.Invoke(target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        // In the worker's order: an IActionResult first, then an IResult.
        switch (await _unwrap(returned))
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case IResult result:
                await result.ExecuteAsync(context);
                break;
            default:
                // The worker would log that no response was returned and leave an empty 200; a null result is a bug.
                throw new InvalidOperationException($"HTTP function {Function.Name} returned null.");
        }
    }

    private static Func<HttpContext, object?> BindParameter(HttpFunction function, ParameterInfo parameter, HashSet<string> routeParameters)
    {
        var type = parameter.ParameterType;
        var bindings = parameter.GetCustomAttributes().Where(a => a is BindingAttribute or InputConverterAttribute).ToList();
        if (bindings.OfType<HttpTriggerAttribute>().Any())
        {
            return type == typeof(HttpRequest)
                ? context => context.Request
                : throw Refused(function, parameter, "is the [HttpTrigger], which SelfHost binds as HttpRequest only (HttpRequestData needs the worker's FunctionContext)");
        }

        if (bindings.OfType<DurableClientAttribute>().Any())
        {
            return type == typeof(DurableTaskClient)
                ? context => context.RequestServices.GetRequiredService<DurableTaskClient>()
                : throw Refused(function, parameter, "is a [DurableClient], which SelfHost gives as DurableTaskClient only");
        }

        if (bindings.Count > 0)
        {
            throw Refused(function, parameter, $"is bound by [{AttributeName(bindings[0])}], a Functions binding or converter SelfHost does not have");
        }

        if (type == typeof(CancellationToken))
        {
            return context => context.RequestAborted;
        }

        if (type == typeof(FunctionContext))
        {
            throw Refused(function, parameter, "is the FunctionContext, which only the Functions worker has (take services by constructor, the HttpContext from the request)");
        }

        var name = parameter.Name!;
        if (routeParameters.Contains(name))
        {
            return type == typeof(string)
                ? context => context.GetRouteValue(name) as string
                : throw Refused(function, parameter, $"is the route value '{name}' as {TypeName(type)}: the worker converts it with its input converters (failing the invocation when it cannot), SelfHost binds route values as string only");
        }

        // The Functions host binds any other parameter by name from its trigger metadata: the route values, but also
        // the query string and the properties of a JSON body. SelfHost binds route values only.
        throw type == typeof(string)
            ? Refused(function, parameter, $"is not a parameter of the route '{function.Route}': the Functions host would fill it from the query string or a JSON body, SelfHost from route values only")
            : Refused(function, parameter, "is none of what SelfHost binds (HttpRequest, CancellationToken, [DurableClient] DurableTaskClient, string route values); the worker would convert it from its trigger metadata");
    }

    /// <summary>What the method returns, awaited, as the object whose kind <see cref="InvokeAsync"/> executes.</summary>
    private static Func<object?, ValueTask<object?>> Unwrapper(HttpFunction function, Type returnType)
    {
        if (IsExecutable(returnType))
        {
            return ValueTask.FromResult<object?>;
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>) && IsExecutable(returnType.GenericTypeArguments[0]))
        {
            var result = returnType.GetProperty(nameof(Task<object>.Result))!;
            return async returned =>
            {
                var task = (Task)returned!;
                await task;
                return result.GetValue(task);
            };
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>) && IsExecutable(returnType.GenericTypeArguments[0]))
        {
            var asTask = returnType.GetMethod(nameof(ValueTask<object>.AsTask))!;
            var result = typeof(Task<>).MakeGenericType(returnType.GenericTypeArguments[0]).GetProperty(nameof(Task<object>.Result))!;
            return async returned =>
            {
                var task = (Task)asTask.Invoke(returned, null)!;
                await task;
                return result.GetValue(task);
            };
        }

        throw Refused(function, $"it returns {TypeName(returnType)}: SelfHost executes IActionResult or IResult (directly, or as Task<T> or ValueTask<T>), "
            + "the results the worker's ASP.NET Core integration executes itself; anything else would go through the Functions host's output binding");
    }

    private static bool IsExecutable(Type type) => typeof(IActionResult).IsAssignableFrom(type) || typeof(IResult).IsAssignableFrom(type);

    private static InvalidOperationException Refused(HttpFunction function, ParameterInfo parameter, string reason) =>
        Refused(function, $"parameter '{parameter.Name}' ({TypeName(parameter.ParameterType)}) {reason}");

    private static InvalidOperationException Refused(HttpFunction function, string reason) =>
        new($"SelfHost cannot serve HTTP function {function.Name} ({function.EntryPoint}) as the Functions host would: {reason}.");

    private static string AttributeName(Attribute attribute) => attribute.GetType().Name.Replace("Attribute", string.Empty, StringComparison.Ordinal);

    private static string TypeName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GenericTypeArguments.Select(TypeName))}>"
        : type.Name;
}
