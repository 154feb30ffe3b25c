namespace TaskScheduler.Core.Auth;

/// <summary>
/// The scope an HTTP function needs. Every HTTP function must carry one: both hosts refuse to start when one lacks
/// it (see <see cref="ScopePolicy"/>), so a new function cannot be served without authorisation by mistake.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class RequiresScopeAttribute(string scope) : Attribute
{
    public string Scope { get; } = scope;
}
