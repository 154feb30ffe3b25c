using TaskScheduler.Core.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Metrics;
using TaskScheduler.Core.Queues;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Core.Hosting;

/// <summary>One call per host wires everything Core provides, identically in the Functions app and SelfHost.</summary>
public static class CoreServiceCollectionExtensions
{
    public static IServiceCollection AddSchedulerCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<WorkflowOptions>()
            .BindConfiguration(WorkflowOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Bound from the root: the flat settings the Functions host resolves in the trigger attributes (%name%).
        services.AddOptions<TriggerOptions>()
            .Bind(configuration)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TriggerOptions>>(provider =>
            new TriggerOptionsValidator(provider.GetRequiredService<IOptions<StorageOptions>>(), configuration));

        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .PostConfigure(options => options.AddBuiltInTiers())
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();

        var connection = StorageConnection.FromConfiguration(configuration);
        services.AddSingleton(connection.CreateTableServiceClient());
        services.AddSingleton(connection.CreateQueueServiceClient());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SchedulerStorage>();
        services.AddSingleton<TaskIndex>();
        services.AddSingleton<TaskRepository>();
        services.AddSingleton<TaskService>();
        services.AddSingleton<TaskQueues>();
        services.AddSingleton<TaskLogStore>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<WorkerRepository>();
        services.AddSingleton<WorkerService>();
        services.AddSingleton<WorkerQueries>();
        services.AddSingleton<TaskWorkflowClient>();
        services.AddSingleton<TaskCounters>();
        services.AddHostedService(provider => provider.GetRequiredService<TaskCounters>());
        services.AddSingleton<TaskLifecycle>();
        services.AddSingleton<Schedules.ScheduleRepository>();
        services.AddSingleton<Schedules.ScheduleService>();
        services.AddSingleton<WorkerMonitor>();
        services.AddSingleton<TaskReconciler>();
        services.AddSingleton<HistoryPurger>();
        services.AddOptions<EventOptions>()
            .BindConfiguration(EventOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<MetricsStore>();
        services.AddSingleton<MetricsService>();
        services.AddSingleton<SystemStatusService>();
        services.AddSingleton<EventDelivery>();
        services.AddHttpClient(EventDelivery.HttpClientName);
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<JwtAuthenticator>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<RequestGate>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }
}
