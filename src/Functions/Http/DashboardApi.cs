using TaskScheduler.Functions.Dashboard;

namespace TaskScheduler.Functions.Http;

/// <summary>
/// The web dashboard's static files (<c>/api/dashboard/</c>). They hold no data and no secret: the page asks for
/// the person's API key and calls the REST API with it, so this one function is served without a credential.
/// </summary>
public static class DashboardApi
{
    [Function("Dashboard")]
    [PublicStaticAssets]
    [ApiOperation("The web dashboard's files (index.html when the path is empty).", MediaType = "text/html")]
    public static IActionResult Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest request,
        string? path)
    {
        // Relative URLs in the page resolve against the folder: /api/dashboard must become /api/dashboard/.
        if (string.IsNullOrEmpty(path) && !request.Path.Value!.EndsWith('/'))
        {
            return new DashboardFileResult(null, redirectTo: request.PathBase + request.Path + "/");
        }

        var asset = DashboardAssets.Find(path);
        return asset is null
            ? ApiResults.Error(ApiException.NotFound("No such dashboard file."))
            : new DashboardFileResult(asset, redirectTo: null);
    }
}
