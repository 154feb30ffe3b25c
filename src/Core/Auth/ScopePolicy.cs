using System.Reflection;

namespace TaskScheduler.Core.Auth;

/// <summary>Reads the scope an HTTP function declares; a function without one is a start-up error (fail closed).</summary>
public static class ScopePolicy
{
    /// <summary>
    /// The "scope" of a function marked <see cref="PublicStaticAssetsAttribute"/>: no credential is asked. Not a scope
    /// a key or token can hold (it is not in <see cref="Scopes.All"/>).
    /// </summary>
    public const string PublicStaticAssets = "(public static assets)";

    /// <summary>
    /// The "scope" of a function marked <see cref="AnyCredentialAttribute"/> (the unmatched-route answer): any valid
    /// credential, no scope. Not in <see cref="Scopes.All"/> either.
    /// </summary>
    public const string AnyCredential = "(any credential)";

    /// <summary>The scope to ask the gate for: null (a credential, no scope) for <see cref="AnyCredential"/>.</summary>
    public static string? GateScope(string? functionScope) => functionScope == AnyCredential ? null : functionScope;

    /// <summary>Whether a credential holding <paramref name="granted"/> may call a function that declares <paramref name="functionScope"/>.</summary>
    public static bool Admits(IReadOnlySet<string> granted, string functionScope) =>
        functionScope == AnyCredential || Scopes.Allows(granted, functionScope);

    /// <exception cref="InvalidOperationException">The method has no <see cref="RequiresScopeAttribute"/>, or an unknown scope.</exception>
    public static string RequiredScopeOf(MethodInfo method)
    {
        var name = $"{method.DeclaringType?.FullName}.{method.Name}";
        if (method.GetCustomAttribute<AnyCredentialAttribute>() is not null)
        {
            return method.GetCustomAttribute<RequiresScopeAttribute>() is null && method.GetCustomAttribute<PublicStaticAssetsAttribute>() is null
                ? AnyCredential
                : throw new InvalidOperationException($"HTTP function {name} declares [AnyCredential] and a scope or [PublicStaticAssets].");
        }

        if (method.GetCustomAttribute<PublicStaticAssetsAttribute>() is not null)
        {
            return method.GetCustomAttribute<RequiresScopeAttribute>() is null
                ? PublicStaticAssets
                : throw new InvalidOperationException($"HTTP function {name} declares both a scope and [PublicStaticAssets].");
        }

        var attribute = method.GetCustomAttribute<RequiresScopeAttribute>()
            ?? throw new InvalidOperationException(
                $"HTTP function {name} has no [RequiresScope]: every HTTP function must declare the scope it needs ({string.Join(", ", Scopes.All)}).");
        return Scopes.IsKnown(attribute.Scope)
            ? attribute.Scope
            : throw new InvalidOperationException($"HTTP function {name} requires the unknown scope '{attribute.Scope}'.");
    }
}
