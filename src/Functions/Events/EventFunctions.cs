using Microsoft.Azure.Functions.Worker;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Functions.Events;

/// <summary>
/// Delivers the event outbox in Azure. Retries and dead-lettering are <see cref="EventDelivery"/>'s own (the same in
/// SelfHost), so the trigger's poison handling only ever sees a storage failure. The queue's name is the
/// <c>EventsOutboxQueue</c> setting (<c>Scheduler__StoragePrefix</c> + <c>events-outbox</c>, checked at start), which
/// SelfHost's outbox loop reads too: the host cannot compose the prefix into a literal.
/// </summary>
public sealed class EventFunctions(EventDelivery delivery)
{
    [Function("DeliverEvents")]
    public Task DeliverAsync(
        [QueueTrigger(TriggerOptions.EventsOutboxQueueExpression, Connection = StorageConnection.SettingName)] string message,
        CancellationToken cancellationToken) =>
        delivery.DeliverAsync(message, cancellationToken);
}
