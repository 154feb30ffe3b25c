using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Metrics;

namespace TaskScheduler.Functions.Http;

/// <summary>System status and metrics.</summary>
public sealed class SystemApi(SystemStatusService status, MetricsService metrics)
{
    [Function("GetSystemStatus")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("The health of each component and today's counts.", Reply = typeof(SystemStatus))]
    public async Task<IActionResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "system/status")] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        Core.Api.QueryParameters.Parse(request.Query, []);
        return ApiResults.Ok(await status.GetAsync(client, request.HttpContext.RequestAborted));
    }

    [Function("GetSystemMetrics")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("Completion rate, error rate and average execution time per bucket.", Reply = typeof(MetricSeries), Meta = typeof(MetricsWindow), Query = ["period", "metrics"])]
    public async Task<IActionResult> MetricsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "system/metrics")] HttpRequest request)
    {
        var (data, meta) = await metrics.GetAsync(request.Query, request.HttpContext.RequestAborted);
        return ApiResults.Ok(data, meta);
    }
}
