using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using TaskScheduler.Functions.Orchestrations;

namespace TaskScheduler.SelfHost.Durable;

/// <summary>Wires the durable engine, and the same orchestrations and activities the Functions app registers.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>The host.json beside the binary, as the Functions host has it beside the app.</summary>
    public static string HostJsonPath { get; } = Path.Combine(AppContext.BaseDirectory, "host.json");

    public static IServiceCollection AddDurableEngine(this IServiceCollection services)
    {
        services.AddDurableEngineOptions(HostJsonPath);

        // Registered before the worker so the sidecar listens before the worker connects.
        services.AddHostedService<DurableSidecarHost>();
        var channel = CreateChannel(DurableSidecarHost.SocketPath);
        services.AddDurableTaskWorker(worker =>
        {
            worker.AddTasks(registry => registry.AddSchedulerTasks());
            worker.UseGrpc(channel);
        });
        services.AddDurableTaskClient(client => client.UseGrpc(channel));
        return services;
    }

    /// <summary>
    /// <see cref="DurableEngineOptions"/>: host.json's <c>durableTask</c> (with SelfHost's stated differences), then
    /// the <c>DurableTask__*</c> settings; checked at start.
    /// </summary>
    public static IServiceCollection AddDurableEngineOptions(this IServiceCollection services, string hostJsonPath)
    {
        // Configure runs before BindConfiguration's binding, so a DurableTask__* setting wins over host.json.
        services.AddOptions<DurableEngineOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ReadHostJson(configuration, hostJsonPath))
            .BindConfiguration(DurableEngineOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }

    private static GrpcChannel CreateChannel(string socketPath) => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        },
    });
}
