using Azure;
using Azure.Identity;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Queues;

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

    /// <summary>The next message of the highest non-empty band, or null when all are empty.</summary>
    public async Task<ReceivedDispatch?> ReceiveNextAsync(CancellationToken cancellationToken)
    {
        foreach (var band in _bands)
        {
            var message = (await band.ReceiveMessageAsync(ClaimWindow, cancellationToken)).Value;
            if (message is not null)
            {
                return new ReceivedDispatch(band.Name, message, DispatchMessage.TryParse(message.MessageText));
            }
        }

        return null;
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
