using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskScheduler.SelfHost.Durable;

namespace TaskScheduler.DispatchBench;

/// <summary>
/// The yardstick of the throughput ratio: a trivial one-activity orchestration on the same engine, hosted the same
/// way as SelfHost hosts it — SelfHost's own <see cref="DurableSidecarHost"/> (Azure Storage provider, same
/// settings: one partition, the same polling cap, no app lease) behind the gRPC sidecar, with the Durable Task
/// worker and client connected over its Unix socket — on the same Azurite, in this process.
/// </summary>
public sealed class EngineBaseline(DispatchBenchOptions options, ILogger<EngineBaseline> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = options.HubConnection,
            ["TaskHubName"] = options.HubName,
            [$"{DurableEngineOptions.SectionName}:MaxQueuePollingIntervalMs"] = options.EnginePollingMs.ToString(CultureInfo.InvariantCulture),
        });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOptions<DurableEngineOptions>()
            .BindConfiguration(DurableEngineOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<DurableSidecarHost>();
        var channel = CreateChannel(DurableSidecarHost.SocketPath);
        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.AddTasks(registry => registry.AddOrchestrator<TrivialOrchestration>().AddActivity<NoOpActivity>());
            worker.UseGrpc(channel);
        });
        builder.Services.AddDurableTaskClient(client => client.UseGrpc(channel));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            var observer = new StoreObserver(options.Storage, options.HubConnection, options.Prefix, options.HubName);
            await RunInstancesAsync(client, observer, "warmup", options.Submitters, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var summary = await RunInstancesAsync(client, observer, "run", options.Tasks, cancellationToken);
            await ResultFiles.WriteAsync(options, options.Label + ".json", summary);
            logger.LogInformation(
                "{Label}: {Count} trivial orchestrations in {Seconds:F1} s = {Rate:F1}/s",
                summary.Label, summary.Completed, summary.CompleteSeconds, summary.TasksPerSecond);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            channel.Dispose();
        }
    }

    private async Task<ThroughputSummary> RunInstancesAsync(DurableTaskClient client, StoreObserver observer, string name, int count, CancellationToken cancellationToken)
    {
        var before = await observer.CountCompletedOrchestrationsAsync(cancellationToken);
        var load = MachineLoad.Start(options.Pids);
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    nameof(TrivialOrchestration),
                    index,
                    new StartOrchestrationOptions(InstanceId: $"{name}-{index:D5}"),
                    cancellationToken);
            }
        }));
        var submitted = Stopwatch.GetTimestamp();
        var done = await observer.WaitForCompletedOrchestrationsAsync(before + count, TimeSpan.FromSeconds(options.MaxSeconds), cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var completed = done is null ? await observer.CountCompletedOrchestrationsAsync(cancellationToken) - before : count;
        return new ThroughputSummary(
            options.Label,
            "trivial one-activity orchestration (bare engine)",
            count,
            completed,
            0,
            options.Submitters,
            options.EnginePollingMs,
            Stopwatch.GetElapsedTime(start, submitted).TotalSeconds,
            seconds,
            seconds,
            completed / seconds,
            completed / seconds,
            null,
            0,
            load.Stop());
    }

    /// <summary>As SelfHost connects its worker and client to the sidecar: HTTP/2 over the Unix socket.</summary>
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
