using Microsoft.Extensions.Hosting;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Hosting;

/// <summary>Creates the API's tables and queues when a host starts, so the first request finds them.</summary>
public sealed class StorageInitializer(SchedulerStorage storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
