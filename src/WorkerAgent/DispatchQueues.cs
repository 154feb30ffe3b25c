using Azure;
using Azure.Identity;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;

namespace TaskScheduler.WorkerAgent;

/// <summary>A received dispatch message and how to acknowledge it.</summary>
public sealed record ReceivedDispatch(string Queue, QueueMessage Message, DispatchMessage? Dispatch);

/// <summary>
/// The three priority queues, read strictly in order: a message of a higher band is always taken before any of a
/// lower band. Connects with a connection string, or a service URI and <c>DefaultAzureCredential</c>.
/// </summary>
public sealed class DispatchQueues
{
    /// <summary>Long enough to claim; a message whose claim could not be made reappears for another agent.</summary>
    private static readonly TimeSpan ClaimWindow = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyList<QueueClient> _bands;

    public DispatchQueues(IOptions<AgentOptions> options)
    {
        var settings = options.Value;
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var service = settings switch
        {
            { QueueConnection: { Length: > 0 } connection } => new QueueServiceClient(connection, clientOptions),
            { QueueServiceUri: { } uri } => new QueueServiceClient(uri, new DefaultAzureCredential(), clientOptions),
            _ => throw new InvalidOperationException("Set Agent:QueueConnection (a connection string) or Agent:QueueServiceUri."),
        };
        _bands = QueueNames.ByPrecedence.Select(name => service.GetQueueClient(settings.QueuePrefix + name)).ToList();
    }

    /// <summary>The most messages one receive may return (the queue service's own limit).</summary>
    public const int MaxBatch = 32;

    /// <summary>
    /// Up to <paramref name="count"/> messages, highest band first: a lower band is read only for what the bands above
    /// it could not fill, so one receive per band serves a whole batch of free slots. Empty when all are empty.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedDispatch>> ReceiveAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxBatch);
        var received = new List<ReceivedDispatch>(count);
        foreach (var band in _bands)
        {
            var messages = (await band.ReceiveMessagesAsync(count - received.Count, ClaimWindow, cancellationToken)).Value;
            received.AddRange(messages.Select(m => new ReceivedDispatch(band.Name, m, DispatchMessage.TryParse(m.MessageText))));
            if (received.Count == count)
            {
                break;
            }
        }

        return received;
    }

    public async Task DeleteAsync(ReceivedDispatch received, CancellationToken cancellationToken)
    {
        try
        {
            await _bands.First(b => b.Name == received.Queue).DeleteMessageAsync(received.Message.MessageId, received.Message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone (seen on Azurite right after a receive): the goal is met.
        }
    }
}
