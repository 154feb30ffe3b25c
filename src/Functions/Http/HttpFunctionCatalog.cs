using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace TaskScheduler.Functions.Http;

/// <summary>
/// Every <c>[Function]</c> method with an <c>[HttpTrigger]</c> parameter, read once from the attributes the Functions
/// host reads. Both hosts build it at start: the Functions app to authorise each invocation, SelfHost to map its
/// endpoints. Building it fails when a function declares no <see cref="RequiresScopeAttribute"/>, so such a
/// function is never served (fail closed). The one exemption is a GET-only function marked
/// <see cref="PublicStaticAssetsAttribute"/> (the dashboard's files), which both middlewares let through; the
/// unmatched-route function (<see cref="AnyCredentialAttribute"/>) needs a credential but no scope.
/// </summary>
public sealed class HttpFunctionCatalog
{
    private static readonly string[] AllMethods = ["get", "post", "put", "delete", "patch", "head", "options"];

    private readonly Dictionary<string, HttpFunction> _byEntryPoint;

    private HttpFunctionCatalog(IReadOnlyList<HttpFunction> functions)
    {
        // The exemption from the gate is for reading static files only.
        if (functions.FirstOrDefault(f => f.IsPublic && !f.Methods.SequenceEqual(["GET"], StringComparer.Ordinal)) is { } unsafeFunction)
        {
            throw new InvalidOperationException(
                $"HTTP function {unsafeFunction.EntryPoint} is [PublicStaticAssets] but accepts {string.Join(", ", unsafeFunction.Methods)}: only GET may be public.");
        }

        // Every operation is described: a function without [ApiOperation] would be served but missing from /openapi.json.
        if (functions.FirstOrDefault(f => f.Scope != ScopePolicy.AnyCredential && f.Operation is null) is { } undescribed)
        {
            throw new InvalidOperationException($"HTTP function {undescribed.EntryPoint} has no [ApiOperation]: it would be missing from the OpenAPI document.");
        }

        Functions = functions;
        _byEntryPoint = functions.ToDictionary(f => f.EntryPoint, StringComparer.Ordinal);
        _routes = functions.Where(f => f.Scope != ScopePolicy.AnyCredential)
            .Select(f => new TemplateMatcher(TemplateParser.Parse(f.Route), new RouteValueDictionary()))
            .ToList();
    }

    private readonly List<TemplateMatcher> _routes;

    /// <summary>
    /// Whether some function (other than the unmatched-route one) serves <paramref name="path"/> (relative to the
    /// route prefix), whatever its methods: the unmatched-route function then answers 405, else 404. Matched the way
    /// both hosts' routers match templates (case-insensitive literals, one segment per parameter).
    /// </summary>
    public bool ServesPath(string path)
    {
        var pathString = new PathString("/" + path.TrimStart('/'));
        return _routes.Any(route => route.TryMatch(pathString, new RouteValueDictionary()));
    }

    public IReadOnlyList<HttpFunction> Functions { get; }

    /// <summary>The operations of the OpenAPI document: every function but the unmatched-route one.</summary>
    public IEnumerable<ApiRoute> Operations() =>
        Functions.Where(f => f.Scope != ScopePolicy.AnyCredential).SelectMany(f => f.Routes());

    /// <summary>The functions of the Functions app itself.</summary>
    public static HttpFunctionCatalog ForFunctionsApp() => Build(typeof(HttpFunctionCatalog).Assembly);

    /// <exception cref="InvalidOperationException">An HTTP function has no (or an unknown) required scope.</exception>
    public static HttpFunctionCatalog Build(Assembly assembly) => Build(assembly.GetTypes());

    /// <summary>The functions declared by <paramref name="types"/> (a test builds a catalog of the few types it needs).</summary>
    /// <exception cref="InvalidOperationException">An HTTP function has no (or an unknown) required scope.</exception>
    public static HttpFunctionCatalog Build(IEnumerable<Type> types) => new(
        types
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(method => (Method: method, Function: method.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Function is not null)
            .Select(x => (x.Method, x.Function, Trigger: x.Method.GetParameters()
                .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Trigger is not null)
            .Select(x => new HttpFunction(
                x.Function!.Name,
                (x.Trigger!.Methods ?? AllMethods).Select(m => m.ToUpperInvariant()).ToArray(),
                x.Trigger.Route ?? x.Function.Name,
                x.Method,
                ScopePolicy.RequiredScopeOf(x.Method)))
            .OrderBy(f => f.Route, StringComparer.Ordinal)
            .ToList());

    /// <summary>The scope of the function the host is invoking (<see cref="ScopePolicy.PublicStaticAssets"/> for a public one).</summary>
    /// <exception cref="InvalidOperationException">The host invokes an HTTP function this catalog does not know.</exception>
    public string ScopeOf(string entryPoint) =>
        _byEntryPoint.TryGetValue(entryPoint, out var function)
            ? function.Scope
            : throw new InvalidOperationException($"No HTTP function with entry point {entryPoint} is known: it is refused.");
}
