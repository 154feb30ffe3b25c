using System.ComponentModel.DataAnnotations;

namespace TaskScheduler.Core.Events;

/// <summary>
/// Where events go (section <c>Events</c>). With <see cref="TopicEndpoint"/> set they are published to that Event
/// Grid topic as CloudEvents; otherwise they are delivered straight to <see cref="Webhooks"/>, signed. Either way
/// they pass through the durable outbox queue first, so a slow receiver never slows the API.
/// </summary>
public sealed class EventOptions
{
    public const string SectionName = "Events";

    /// <summary>The Event Grid topic endpoint (CloudEvents 1.0 input schema).</summary>
    public Uri? TopicEndpoint { get; set; }

    /// <summary>A topic access key; without it the managed identity <see cref="ClientId"/> (or <c>DefaultAzureCredential</c>) is used.</summary>
    public string? TopicKey { get; set; }

    /// <summary>
    /// The client id of the user-assigned managed identity that may send to the topic. Required in Azure: without it
    /// <c>DefaultAzureCredential</c> cannot find a user-assigned identity and every event is dead-lettered.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>Receivers for local delivery, e.g. <c>Events__Webhooks__0__Url</c> and <c>Events__Webhooks__0__Secret</c>.</summary>
    public List<WebhookSubscription> Webhooks { get; set; } = [];

    /// <summary>Delivery tries before an event is dead-lettered.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The first retry waits this long; each next one twice as long (capped at 10 minutes).</summary>
    [Range(0.1, 600)]
    public double RetryBaseDelaySeconds { get; set; } = 5;

    /// <summary>How long one delivery may take before it counts as failed.</summary>
    [Range(1, 120)]
    public int DeliveryTimeoutSeconds { get; set; } = 10;
}

/// <summary>A webhook receiver: its URL and the secret its signatures are made with.</summary>
public sealed class WebhookSubscription
{
    [Required]
    public Uri? Url { get; set; }

    public string Secret { get; set; } = string.Empty;

    /// <summary>Event types to send; empty means all.</summary>
    public List<string> Events { get; set; } = [];
}
