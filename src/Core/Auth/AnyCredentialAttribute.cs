namespace TaskScheduler.Core.Auth;

/// <summary>
/// Marks the HTTP function that answers what no other function matched (an unknown path: 404, a known path with
/// the wrong method: 405): it needs a valid credential but no scope, so an unknown path tells an anonymous caller
/// nothing, as every other route. Not a scope a key can hold.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AnyCredentialAttribute : Attribute;
