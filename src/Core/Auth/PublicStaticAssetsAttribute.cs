namespace TaskScheduler.Core.Auth;

/// <summary>
/// Marks the one kind of HTTP function that is served without a credential: a <c>GET</c> of static files that carry
/// no secret and no data (the dashboard's HTML, scripts and styles, which then call the API with the person's own
/// credential). A deliberate, narrow exemption from the gate: the catalog refuses it on any function that accepts
/// another method or also declares <see cref="RequiresScopeAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PublicStaticAssetsAttribute : Attribute;
