using System.Reflection;

namespace TaskScheduler.Functions.Http;

/// <summary>An HTTP function as declared by its attributes, with the scope it requires.</summary>
public sealed record HttpFunction(string Name, string[] Methods, string Route, MethodInfo Method, string Scope)
{
    /// <summary>How the Functions host names the method (<c>FunctionDefinition.EntryPoint</c>, <c>entryPoint</c> in functions.metadata).</summary>
    public string EntryPoint => $"{Method.DeclaringType!.FullName}.{Method.Name}";

    /// <summary>Served without a credential: a GET of static files (<see cref="Core.Auth.PublicStaticAssetsAttribute"/>).</summary>
    public bool IsPublic => Scope == Core.Auth.ScopePolicy.PublicStaticAssets;

    /// <summary>What the OpenAPI document says of it (null only for the unmatched-route function, which is not an operation).</summary>
    public ApiOperationAttribute? Operation => Method.GetCustomAttribute<ApiOperationAttribute>();

    /// <summary>Its operations, one per method, as the OpenAPI document describes them.</summary>
    public IEnumerable<ApiRoute> Routes() => Methods.Select(method => new ApiRoute(
        Methods.Length == 1 ? Name : Name + method[0] + method[1..].ToLowerInvariant(),
        method,
        Route,
        IsPublic ? null : Scope,
        Operation!));
}
