using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace TaskScheduler.ServiceDefaults;

/// <summary>
/// OpenTelemetry for every process (API hosts and agent), off unless configured: <c>Telemetry__Exporter</c> =
/// <c>otlp</c> (endpoint from <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) or <c>console</c>; in Azure, a set
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> adds the Azure Monitor exporter. Application Insights there has local
/// authentication disabled, so the exporter authenticates with Entra ID: <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// (<c>Authorization=AAD;ClientId=...</c>, the setting the Functions host reads for its own telemetry) names the
/// managed identity. Without it (a workstation against a resource that accepts keys) the connection string alone is used.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>
    /// The credential <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> asks for: <c>Authorization=AAD</c> with an
    /// optional <c>ClientId</c> (a user-assigned identity); null when it is empty.
    /// </summary>
    /// <exception cref="InvalidOperationException">The setting is present but does not say <c>Authorization=AAD</c>.</exception>
    public static TokenCredential? AzureMonitorCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!string.Equals(parts.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{AuthenticationStringSetting} must say Authorization=AAD (and ClientId=<the identity's client id>).");
        }

        return AzureCredentials.ForClientId(parts.GetValueOrDefault("ClientId"));
    }

    public static IServiceCollection AddSchedulerTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName, bool aspNetCore)
    {
        var exporter = configuration["Telemetry:Exporter"]?.ToLowerInvariant();
        var azureMonitor = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var azureMonitorCredential = AzureMonitorCredential(configuration[AuthenticationStringSetting]);
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
                    tracing.AddAzureMonitorTraceExporter(o =>
                    {
                        o.ConnectionString = azureMonitor;
                        o.Credential = azureMonitorCredential;
                    });
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
                    metrics.AddAzureMonitorMetricExporter(o =>
                    {
                        o.ConnectionString = azureMonitor;
                        o.Credential = azureMonitorCredential;
                    });
                }
            });
        return services;
    }
}
