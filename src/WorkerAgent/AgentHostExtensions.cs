using Microsoft.Extensions.Options;
using TaskScheduler.ServiceDefaults;

namespace TaskScheduler.WorkerAgent;

/// <summary>Wires the agent: options validated at start, a resilient HttpClient, the queues and the service.</summary>
public static class AgentHostExtensions
{
    public static HostApplicationBuilder AddWorkerAgent(this HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentOptions>()
            .BindConfiguration(AgentOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.MinPollMilliseconds <= o.MaxPollMilliseconds, "Agent:MinPollMilliseconds must not exceed Agent:MaxPollMilliseconds.")
            .Validate(o => !string.IsNullOrEmpty(o.QueueConnection) || o.QueueServiceUri is not null, "Set Agent:QueueConnection or Agent:QueueServiceUri.")
            .ValidateOnStart();

        // Resilience from the standard handler (retry with jittered back-off, attempt and total timeouts, circuit
        // breaker) rather than hand-written loops; protocol calls are fenced, so a retried call is safe.
        builder.Services.AddHttpClient<SchedulerApiClient>((services, client) =>
            {
                var baseUrl = services.GetRequiredService<IOptions<AgentOptions>>().Value.ApiBaseUrl.ToString();
                client.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            })
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(10);
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(20);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(20);
            });
        builder.Services.AddSingleton<DispatchQueues>();
        builder.Services.AddSchedulerTelemetry(builder.Configuration, "taskscheduler-agent", aspNetCore: false);
        builder.Services.AddHostedService<AgentService>();

        // Room to drain running commands on SIGTERM before the host gives up.
        builder.Services.Configure<HostOptions>(host =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(builder.Configuration.GetValue($"{AgentOptions.SectionName}:DrainTimeoutSeconds", 30) + 30));
        return builder;
    }
}
