using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Events;

namespace TaskScheduler.Core.Storage;

/// <summary>The API's table and queue clients (singletons), with the configured name prefix applied.</summary>
public sealed class SchedulerStorage(TableServiceClient tables, QueueServiceClient queues, IOptions<StorageOptions> options)
{
    private readonly string _prefix = options.Value.StoragePrefix;

    /// <summary>See <see cref="StorageOptions.ListTotalsCacheSeconds"/>.</summary>
    public TimeSpan ListTotalsMaxAge { get; } = TimeSpan.FromSeconds(options.Value.ListTotalsCacheSeconds);

    public TableClient Table(string name) => tables.GetTableClient(_prefix + name);

    public QueueClient Queue(string name) => queues.GetQueueClient(_prefix + name);

    /// <summary>Creates every table and queue the API uses; idempotent, run once at start.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(TableNames.All.Select(name => Table(name).CreateIfNotExistsAsync(cancellationToken)));
        await Task.WhenAll(QueueNames.ByPrecedence.Concat(EventQueues.All).Select(name => Queue(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
    }
}
