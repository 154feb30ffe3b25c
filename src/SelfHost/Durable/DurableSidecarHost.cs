using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Options;

namespace TaskScheduler.SelfHost.Durable;

/// <summary>
/// Runs the Durable engine of the Functions host (the Azure Storage provider) behind the gRPC sidecar, in its own
/// small Kestrel server on a Unix socket, so SelfHost's public port stays plain HTTP and parallel SelfHost
/// processes never compete for a port. The Durable Task worker and client of the app connect to the socket.
/// </summary>
public sealed partial class DurableSidecarHost(
    IConfiguration configuration,
    IOptions<DurableEngineOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<DurableSidecarHost> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _sidecar;

    /// <summary>The Unix socket of this process's sidecar.</summary>
    public static string SocketPath { get; } = Path.Combine(Path.GetTempPath(), $"taskscheduler-durable-{Environment.ProcessId}.sock");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(SocketPath))
        {
            File.Delete(SocketPath);
        }

        var settings = EngineSettings(options.Value, HubConnectionString(), loggerFactory);
        var engine = new AzureStorageOrchestrationService(settings);
        await engine.CreateIfNotExistsAsync();
        var compatible = new SidecarCompatOrchestrationService(engine);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IOrchestrationService>(compatible);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(compatible);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        builder.Services.AddGrpc();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(SocketPath, listen => listen.Protocols = HttpProtocols.Http2));
        _sidecar = builder.Build();
        _sidecar.MapGrpcService<TaskHubGrpcServer>();
        await _sidecar.StartAsync(cancellationToken);
        LogStarted(logger, settings.TaskHubName, SocketPath);
    }

    /// <summary>The engine's settings: <paramref name="options"/> (host.json's, see <see cref="DurableEngineOptions"/>), and what SelfHost sets for itself.</summary>
    public static AzureStorageOrchestrationServiceSettings EngineSettings(DurableEngineOptions options, string connectionString, ILoggerFactory loggerFactory) => new()
    {
        StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
        TaskHubName = options.TaskHubName,
        PartitionCount = options.PartitionCount,
        MaxQueuePollingInterval = TimeSpan.FromMilliseconds(options.MaxQueuePollingIntervalMs),
        ControlQueueBatchSize = options.ControlQueueBatchSize,
        ExtendedSessionsEnabled = options.ExtendedSessionsEnabled,
        MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
        MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,

        // One process owns the hub: after a crash the next start must not wait out a minute-long app lease and
        // a 30 s partition lease before timers and events flow again.
        UseAppLease = false,
        LeaseInterval = TimeSpan.FromSeconds(options.PartitionLeaseSeconds),
        LeaseRenewInterval = TimeSpan.FromSeconds(Math.Max(1, options.PartitionLeaseSeconds / 3)),
        LeaseAcquireInterval = TimeSpan.FromSeconds(2),

        // A work item a killed process held stays invisible for this long (the engine renews the lock of one
        // that runs longer). The provider's 5 minutes would stall a task whose activity was in flight at a
        // kill -9 for five minutes; our activities are single storage calls.
        WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(30),
        ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(30),
        LoggerFactory = loggerFactory,
    };

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sidecar is not null)
        {
            await _sidecar.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        if (File.Exists(SocketPath))
        {
            File.Delete(SocketPath);
        }
    }

    /// <summary>The task hub lives in the Functions host's own storage account (host.json's <c>connectionName</c>), as in Azure.</summary>
    private string HubConnectionString() =>
        configuration[options.Value.ConnectionName] is { Length: > 0 } connection
            ? connection
            : throw new InvalidOperationException($"{options.Value.ConnectionName} must be a connection string for SelfHost's Durable engine (e.g. UseDevelopmentStorage=true).");

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Durable engine started: task hub {TaskHub} on Azure Storage, sidecar at {Socket}")]
    private static partial void LogStarted(ILogger logger, string taskHub, string socket);
}
