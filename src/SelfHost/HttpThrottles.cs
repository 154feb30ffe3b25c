using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using TaskScheduler.Core.Api;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.SelfHost;

/// <summary>
/// The Functions host's HTTP throttles, applied by SelfHost from the same settings: host.json's
/// <c>extensions.http.maxConcurrentRequests</c> and <c>maxOutstandingRequests</c>, overridable the way the
/// Functions host allows (<c>AzureFunctionsJobHost__extensions__http__maxConcurrentRequests</c>). Past the
/// outstanding limit a request is refused at once (503 <c>service_unavailable</c> + <c>Retry-After</c>, in the
/// envelope) instead of queueing behind work storage cannot finish: overload sheds load rather than timing everyone
/// out. Built on ASP.NET Core's rate-limiting middleware (a <see cref="ConcurrencyLimiter"/>), not hand-written.
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
            options.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetConcurrencyLimiter(
                "all",
                _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
            options.OnRejected = static async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                await ApiResults.Error(new ApiException(503, ErrorCodes.ServiceUnavailable, "The server is at its limit of outstanding requests; retry in a second.")).WriteAsync(context.HttpContext);
            };
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
