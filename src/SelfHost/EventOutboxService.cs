using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.SelfHost;

/// <summary>
/// SelfHost's counterpart of the Functions app's <c>DeliverEvents</c> queue trigger: reads the outbox queue and
/// hands each message to <see cref="EventDelivery"/>, several at a time, backing off when the queue is empty.
/// </summary>
public sealed partial class EventOutboxService(
    QueueServiceClient queues,
    IOptions<StorageOptions> storage,
    IOptions<TriggerOptions> triggers,
    EventDelivery delivery,
    ILogger<EventOutboxService> logger) : BackgroundService
{
    /// <summary>The Functions app's queue trigger this service stands in for (checked against functions.metadata).</summary>
    public const string QueueFunction = "DeliverEvents";

    /// <summary>Messages handled in parallel: host.json's <c>queues.batchSize</c> (checked by HostConfigurationParityTests).</summary>
    public const int Batch = 16;

    /// <summary>Back-off cap when the outbox is empty: host.json's <c>queues.maxPollingInterval</c>.</summary>
    public static readonly TimeSpan MaxPollingInterval = TimeSpan.FromSeconds(2);

    /// <summary>Longer than one delivery's timeout: a message whose delivery crashed the process is tried again.</summary>
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The queue the DeliverEvents trigger listens on: the EventsOutboxQueue setting (or the prefixed default).
        var outbox = queues.GetQueueClient(triggers.Value.OutboxQueueFor(storage.Value.StoragePrefix));
        var idle = TimeSpan.FromMilliseconds(100);
        var backOff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            // The loop's one boundary: a failure is logged and the loop goes on after a back-off, as the queue
            // trigger would; a message whose delivery failed reappears after its visibility timeout.
            try
            {
                var messages = (await outbox.ReceiveMessagesAsync(Batch, Visibility, stoppingToken)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(idle, stoppingToken);
                    idle = TimeSpan.FromMilliseconds(Math.Min(MaxPollingInterval.TotalMilliseconds, idle.TotalMilliseconds * 2));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(100);
                await Task.WhenAll(messages.Select(async message =>
                {
                    await delivery.DeliverAsync(message.MessageText, stoppingToken);
                    await outbox.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                }));
                backOff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, ex, backOff.TotalSeconds);
                await Task.Delay(backOff, stoppingToken);
                backOff = TimeSpan.FromSeconds(Math.Min(30, backOff.TotalSeconds * 2));
            }
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "The event outbox loop failed; going on in {Seconds} s")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, double seconds);
}
