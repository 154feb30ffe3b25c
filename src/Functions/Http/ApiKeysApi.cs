namespace TaskScheduler.Functions.Http;

/// <summary>API keys, for admins: create (the reply holds the key, once), list, revoke.</summary>
public sealed class ApiKeysApi(ApiKeyService keys)
{
    [Function("CreateApiKey")]
    [RequiresScope(Scopes.Admin)]
    [ApiOperation("Create an API key; the reply shows its secret once.", Body = "ApiKeyCreate", Reply = typeof(ApiKeyResource), Status = 201)]
    public async Task<IActionResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "keys")] HttpRequest request)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        return ApiResults.Created(await keys.CreateAsync(body.RootElement, cancellationToken));
    }

    [Function("ListApiKeys")]
    [RequiresScope(Scopes.Admin)]
    [ApiOperation("List API keys (never their secrets).", Reply = typeof(ApiKeyResource), List = true, Query = ["page", "limit"])]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "keys")] HttpRequest request)
    {
        var (items, meta) = await keys.ListAsync(request.Query, request.HttpContext.RequestAborted);
        return ApiResults.Ok(items, meta);
    }

    [Function("RevokeApiKey")]
    [RequiresScope(Scopes.Admin)]
    [ApiOperation("Revoke an API key.", Reply = typeof(ApiKeyResource))]
    public async Task<IActionResult> RevokeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "keys/{id}/revoke")] HttpRequest request,
        string id) =>
        ApiResults.Ok(await keys.RevokeAsync(id, request.HttpContext.RequestAborted));
}
