using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.Core.Events;

/// <summary>
/// Records that something happened: one outbox message per target, written to the durable outbox queue after the
/// state change it reports. Delivery happens elsewhere (<see cref="EventDelivery"/>), so the API never waits on a
/// receiver. Each event has an id (also sent as <c>X-Event-Id</c> / the CloudEvent id) so receivers can drop
/// duplicates.
/// </summary>
public sealed partial class EventPublisher(SchedulerStorage storage, IOptions<EventOptions> options, TimeProvider clock, ILogger<EventPublisher> logger)
{
    public Task TaskEventAsync(string type, TaskItem task, CancellationToken cancellationToken) =>
        PublishAsync(type, "tasks/" + task.Id, "task", JsonSerializer.SerializeToNode(TaskEventData.From(task), ApiJson.Options)!, cancellationToken);

    public Task WorkerEventAsync(string type, Worker worker, CancellationToken cancellationToken) =>
        PublishAsync(type, "workers/" + worker.Id, "worker", JsonSerializer.SerializeToNode(WorkerResource.From(worker), ApiJson.Options)!, cancellationToken);

    /// <summary><c>schedule.fired</c> (a firing made <paramref name="taskId"/>) or <c>schedule.failed</c> (it could not: <paramref name="error"/>).</summary>
    public Task ScheduleEventAsync(string type, Schedules.ScheduleItem schedule, DateTimeOffset fireAt, string? taskId, string? error, CancellationToken cancellationToken) =>
        PublishAsync(type, "schedules/" + schedule.Id, "schedule", JsonSerializer.SerializeToNode(new ScheduleEventData(schedule.Id, schedule.Name, fireAt, taskId, error), ApiJson.Options)!, cancellationToken);

    private async Task PublishAsync(string type, string subject, string member, JsonNode body, CancellationToken cancellationToken)
    {
        var targets = Targets(type);
        if (targets.Count == 0)
        {
            return;
        }

        var id = Guid.CreateVersion7().ToString();
        var now = clock.GetUtcNow();
        var payload = new JsonObject
        {
            ["id"] = id,
            ["event"] = type,
            ["timestamp"] = Timestamps.Format(now),
            [member] = body,
        };
        try
        {
            var outbox = storage.Queue(EventQueues.Outbox);
            foreach (var target in targets)
            {
                var message = new OutboxMessage(id, type, now, subject, (JsonObject)payload.DeepClone(), target, 1);
                await outbox.SendMessageAsync(message.ToJson(), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken);
            }
        }
        catch (Azure.RequestFailedException ex)
        {
            // The state change stands; losing its event is logged loudly, never silently.
            LogPublishFailed(logger, ex, type, subject, id);
        }
    }

    private List<string> Targets(string type)
    {
        var settings = options.Value;
        if (settings.TopicEndpoint is not null)
        {
            return [OutboxMessage.EventGridTarget];
        }

        return settings.Webhooks
            .Select((hook, index) => (hook, index))
            .Where(x => x.hook.Events.Count == 0 || x.hook.Events.Contains(type))
            .Select(x => x.index.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Event {Type} for {Subject} ({EventId}) could not be written to the outbox")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string type, string subject, string eventId);
}
