using Azure.Storage.Queues.Models;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.SelfHost;

/// <summary>
/// SelfHost's counterpart of the Functions app's <c>DeliverEvents</c> queue trigger: reads the outbox queue and
/// hands each message to <see cref="EventDelivery"/>, several at a time, backing off when the queue is empty.
/// </summary>
public sealed partial class EventOutboxService(SchedulerStorage storage, EventDelivery delivery, ILogger<EventOutboxService> logger) : BackgroundService
{
    /// <summary>The Functions app's queue trigger this service stands in for (checked against functions.metadata).</summary>
    public const string QueueFunction = "DeliverEvents";

    private const int Batch = 16;

    /// <summary>Longer than one delivery's timeout: a message whose delivery crashed the process is tried again.</summary>
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var outbox = storage.Queue(EventQueues.Outbox);
        var idle = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                messages = (await outbox.ReceiveMessagesAsync(Batch, Visibility, stoppingToken)).Value;
            }
            catch (Azure.RequestFailedException ex)
            {
                LogQueueError(logger, ex, ex.Status);
                messages = [];
            }

            if (messages.Length == 0)
            {
                await Task.Delay(idle, stoppingToken);
                idle = TimeSpan.FromMilliseconds(Math.Min(2000, idle.TotalMilliseconds * 2));
                continue;
            }

            idle = TimeSpan.FromMilliseconds(100);
            await Task.WhenAll(messages.Select(async message =>
            {
                await delivery.DeliverAsync(message.MessageText, stoppingToken);
                await outbox.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            }));
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "The event outbox could not be read ({Status}); retrying")]
    private static partial void LogQueueError(ILogger logger, Exception exception, int status);
}
