namespace TaskScheduler.Core.Events;

/// <summary>The event queues (before the storage prefix).</summary>
public static class EventQueues
{
    /// <summary>Deliveries waiting to be made (and retries waiting for their back-off).</summary>
    public const string Outbox = "events-outbox";

    /// <summary>Deliveries that failed every try: kept for inspection and replay, never dropped silently.</summary>
    public const string DeadLetter = "events-deadletter";

    public static IReadOnlyList<string> All { get; } = [Outbox, DeadLetter];
}
