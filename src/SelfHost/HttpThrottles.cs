using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.RateLimiting;

namespace TaskScheduler.SelfHost;

/// <summary>
/// The Functions host's HTTP throttles, applied by SelfHost from the same settings: host.json's
/// <c>extensions.http.maxConcurrentRequests</c> and <c>maxOutstandingRequests</c>, overridable the way the
/// Functions host allows (<c>AzureFunctionsJobHost__extensions__http__maxConcurrentRequests</c>). Past the
/// outstanding limit a request is refused at once instead of queueing behind work storage cannot finish: overload
/// sheds load rather than timing everyone out. The refusal is the Functions host's own: 429 with an empty body,
/// before any of the app's code (no envelope, no rate-limit headers), so a client sees one answer from either host
/// (docs/api.md, "Overload"). Built on ASP.NET Core's rate-limiting middleware (a <see cref="ConcurrencyLimiter"/>).
/// </summary>
public sealed record HttpThrottles(int MaxConcurrentRequests, int MaxOutstandingRequests)
{
    private const string OverridePrefix = "AzureFunctionsJobHost:extensions:http:";

    /// <summary>Reads host.json beside the binary (comments allowed, as the Functions host allows them), then the overrides.</summary>
    public static HttpThrottles From(IConfiguration configuration, string hostJsonPath)
    {
        int? concurrent = null, outstanding = null;
        if (File.Exists(hostJsonPath))
        {
            using var hostJson = JsonDocument.Parse(File.ReadAllText(hostJsonPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (hostJson.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("http", out var http))
            {
                concurrent = http.TryGetProperty("maxConcurrentRequests", out var c) ? c.GetInt32() : null;
                outstanding = http.TryGetProperty("maxOutstandingRequests", out var o) ? o.GetInt32() : null;
            }
        }

        concurrent = Override(configuration, "maxConcurrentRequests") ?? concurrent;
        outstanding = Override(configuration, "maxOutstandingRequests") ?? outstanding;

        // The Functions host's meaning of -1 (or absent): no limit.
        var maxConcurrent = concurrent is > 0 ? concurrent.Value : int.MaxValue;
        var maxOutstanding = outstanding is > 0 ? outstanding.Value : int.MaxValue;
        return new HttpThrottles(maxConcurrent, maxOutstanding);
    }

    public bool Unlimited => MaxConcurrentRequests == int.MaxValue && MaxOutstandingRequests == int.MaxValue;

    public void AddTo(IServiceCollection services)
    {
        if (Unlimited)
        {
            return;
        }

        var permits = Math.Min(MaxConcurrentRequests, MaxOutstandingRequests);
        var queue = MaxOutstandingRequests == int.MaxValue ? int.MaxValue : MaxOutstandingRequests - permits;
        services.AddRateLimiter(options =>
        {
            // As the Functions host's throttle answers: 429, nothing else.
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = static (context, _) =>
            {
                // Not the envelope the status-code pages would add: the host's throttle writes no body.
                if (context.HttpContext.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
                {
                    statusPages.Enabled = false;
                }

                return ValueTask.CompletedTask;
            };
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetConcurrencyLimiter(
                "all",
                _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
        });
    }

    public static void Use(WebApplication app)
    {
        if (app.Services.GetService<HttpThrottles>() is { Unlimited: false })
        {
            app.UseRateLimiter();
        }
    }

    private static int? Override(IConfiguration configuration, string name) =>
        configuration[OverridePrefix + name] is { Length: > 0 } value ? int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;
}
