using Microsoft.Azure.Functions.Worker;
using TaskScheduler.Core.Events;

namespace TaskScheduler.Functions.Events;

/// <summary>
/// Delivers the event outbox in Azure. Retries and dead-lettering are <see cref="EventDelivery"/>'s own (the same in
/// SelfHost), so the trigger's poison handling only ever sees a storage failure.
/// </summary>
public sealed class EventFunctions(EventDelivery delivery)
{
    [Function("DeliverEvents")]
    public Task DeliverAsync(
        [QueueTrigger(EventQueues.Outbox, Connection = "SchedulerStorage")] string message,
        CancellationToken cancellationToken) =>
        delivery.DeliverAsync(message, cancellationToken);
}
