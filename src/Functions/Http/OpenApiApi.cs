using System.Text.Json;
using TaskScheduler.Functions.Dashboard;

namespace TaskScheduler.Functions.Http;

/// <summary>
/// The OpenAPI 3.1 document of the API (<c>GET /api/openapi.json</c>), built once from the same function catalog
/// both hosts route by, so the two serve the same document. It holds no data and no secret: like the dashboard's
/// files, it is served without a credential, with an ETag.
/// </summary>
public sealed class OpenApiApi(HttpFunctionCatalog catalog)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly Lazy<DashboardAsset> _document = new(() =>
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(OpenApiDocument.Build(catalog.Operations()), Indented);
        return DashboardAsset.Of("openapi.json", bytes, "application/json; charset=utf-8");
    });

    [Function("GetOpenApiDocument")]
    [PublicStaticAssets]
    [ApiOperation("This document: the OpenAPI 3.1 description of every route.", MediaType = "application/json")]
    public IActionResult Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new DashboardFileResult(_document.Value, redirectTo: null);
}
