namespace TaskScheduler.Functions.Http;

/// <summary>
/// What no other function matched, answered the same way under both hosts: after the credential check (any valid
/// credential, <see cref="AnyCredentialAttribute"/>), 405 <c>method_not_allowed</c> for a path some function serves
/// with other methods, else 404 <c>not_found</c>, both in the envelope. Without it the Functions host answers an
/// unknown path or a wrong method with its own bare 404, to anyone.
/// <para>The Functions host tries routes in the alphabetical order of their functions' names, not by precedence
/// (Azure/azure-functions-host#9876), so this function's name sorts after every other one (HostParityTests checks
/// it): its <c>{*rest}</c> is tried last. SelfHost's endpoint routing gives a catch-all the lowest precedence anyway.</para>
/// </summary>
public sealed class UnmatchedRouteApi(HttpFunctionCatalog catalog)
{
    /// <summary>Sorts after every other function name, in ordinal and in case-insensitive order.</summary>
    public const string FunctionName = "ZzUnmatchedRoute";

    [Function(FunctionName)]
    [AnyCredential]
    public IActionResult Answer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "delete", "patch", "head", "options", Route = "{*rest}")] HttpRequest request,
        string? rest) =>
        ApiResults.Error(catalog.ServesPath(rest ?? string.Empty) ? ApiException.MethodNotAllowed() : ApiException.NoSuchEndpoint());
}
