using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace TaskScheduler.Core.Telemetry;

/// <summary>
/// OpenTelemetry for every process (API hosts and agent), off unless configured: <c>Telemetry__Exporter</c> =
/// <c>otlp</c> (endpoint from <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) or <c>console</c>; in Azure, a set
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> adds the Azure Monitor exporter.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddSchedulerTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, bool aspNetCore)
    {
        var exporter = configuration["Telemetry:Exporter"]?.ToLowerInvariant();
        var azureMonitor = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (exporter is not ("otlp" or "console") && string.IsNullOrEmpty(azureMonitor))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(SchedulerTelemetry.Name).AddHttpClientInstrumentation();
                if (aspNetCore)
                {
                    tracing.AddAspNetCoreInstrumentation();
                }

                if (exporter == "otlp")
                {
                    tracing.AddOtlpExporter();
                }
                else if (exporter == "console")
                {
                    tracing.AddConsoleExporter();
                }

                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = azureMonitor);
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SchedulerTelemetry.Name).AddHttpClientInstrumentation();
                if (aspNetCore)
                {
                    metrics.AddAspNetCoreInstrumentation();
                }

                if (exporter == "otlp")
                {
                    metrics.AddOtlpExporter();
                }

                if (!string.IsNullOrEmpty(azureMonitor))
                {
                    metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = azureMonitor);
                }
            });
        return services;
    }
}
