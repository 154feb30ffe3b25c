using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace TaskScheduler.Functions.Dashboard;

/// <summary>
/// Writes a dashboard file (or a redirect to the dashboard's folder) with the headers that confine the page: a
/// Content-Security-Policy allowing only this origin (no inline script, no other host), no sniffing, no framing,
/// no referrer; and revalidation on every load by ETag, since the file names are not versioned.
/// </summary>
public sealed class DashboardFileResult(DashboardAsset? asset, string? redirectTo) : IActionResult
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        if (redirectTo is not null)
        {
            response.StatusCode = StatusCodes.Status308PermanentRedirect;
            headers.Location = redirectTo;
            return;
        }

        var file = asset!;
        headers.ETag = file.ETag;
        if (context.HttpContext.Request.Headers.IfNoneMatch.Contains(file.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = file.ContentType;
        response.ContentLength = file.Content.Length;
        await response.Body.WriteAsync(file.Content, context.HttpContext.RequestAborted);
    }
}
