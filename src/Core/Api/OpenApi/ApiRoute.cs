namespace TaskScheduler.Core.Api.OpenApi;

/// <summary>
/// One operation as the hosts route it: method, route template (relative to <c>/api</c>), the scope it requires
/// (null when it is served without a credential) and its description.
/// </summary>
public sealed record ApiRoute(string OperationId, string Method, string Route, string? Scope, ApiOperationAttribute Operation);
