using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Identity;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Hosting;
using TaskScheduler.ServiceDefaults;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Events;

/// <summary>
/// Delivers one outbox message: to the Event Grid topic as a CloudEvent 1.0 (<c>data</c> = the spec's payload), or
/// to a webhook as the spec's payload signed with HMAC-SHA256 (<c>X-Signature-256: sha256=&lt;hex&gt;</c>). A failed
/// try is put back on the outbox with an exponential delay; after the last one the message goes to the dead-letter
/// queue and is logged. Used by the queue-triggered function in Azure and a hosted service in SelfHost.
/// </summary>
public sealed partial class EventDelivery(
    SchedulerStorage storage,
    IHttpClientFactory httpClients,
    IOptions<EventOptions> options,
    ILogger<EventDelivery> logger)
{
    public const string HttpClientName = "webhooks";
    public const string SignatureHeader = "X-Signature-256";

    private readonly Lazy<EventGridPublisherClient?> _eventGrid = new(() => CreateEventGridClient(options.Value));

    /// <summary>Handles one message; returns normally whether it was delivered, rescheduled or dead-lettered.</summary>
    public async Task DeliverAsync(string messageText, CancellationToken cancellationToken)
    {
        if (OutboxMessage.TryParse(messageText) is not { } message)
        {
            LogPoison(logger, messageText.Length);
            await storage.Queue(EventQueues.DeadLetter).SendMessageAsync(messageText, null, TimeSpan.FromSeconds(-1), cancellationToken);
            return;
        }

        string? failure;
        try
        {
            failure = message.Target == OutboxMessage.EventGridTarget
                ? await SendToEventGridAsync(message, cancellationToken)
                : await SendToWebhookAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or RequestFailedException or TaskCanceledException or AuthenticationFailedException)
        {
            failure = ex.Message;
        }

        if (failure is null)
        {
            LogDelivered(logger, message.Type, message.EventId, message.Target, message.Attempt);
            return;
        }

        var settings = options.Value;
        if (message.Attempt >= settings.MaxAttempts)
        {
            LogDeadLettered(logger, message.Type, message.EventId, message.Target, message.Attempt, failure);
            await storage.Queue(EventQueues.DeadLetter).SendMessageAsync(message.ToJson(), null, TimeSpan.FromSeconds(-1), cancellationToken);
            return;
        }

        var delay = TimeSpan.FromSeconds(Math.Min(600, settings.RetryBaseDelaySeconds * Math.Pow(2, message.Attempt - 1)));
        LogRetrying(logger, message.Type, message.EventId, message.Target, message.Attempt, delay.TotalSeconds, failure);
        await storage.Queue(EventQueues.Outbox).SendMessageAsync((message with { Attempt = message.Attempt + 1 }).ToJson(), delay, TimeSpan.FromSeconds(-1), cancellationToken);
    }

    /// <summary>The signature a receiver recomputes: HMAC-SHA256 of the exact body with the shared secret.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task<string?> SendToWebhookAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var hooks = options.Value.Webhooks;
        if (!int.TryParse(message.Target, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= hooks.Count)
        {
            return $"no webhook {message.Target} is configured any more";
        }

        var hook = hooks[index];
        var body = Encoding.UTF8.GetBytes(message.Payload.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(hook.Secret, body));
        request.Headers.Add("X-Event-Id", message.EventId);
        request.Headers.Add("X-Event-Type", message.Type);
        request.Headers.Add("X-Delivery-Attempt", message.Attempt.ToString(CultureInfo.InvariantCulture));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.DeliveryTimeoutSeconds));
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
        return response.IsSuccessStatusCode ? null : $"the receiver answered {(int)response.StatusCode}";
    }

    private async Task<string?> SendToEventGridAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (_eventGrid.Value is not { } client)
        {
            return "no Event Grid topic is configured any more";
        }

        // JSON data (not binary): subscribers read the spec's payload straight from "data".
        var cloudEvent = new CloudEvent("/taskscheduler", message.Type, message.Payload)
        {
            Id = message.EventId,
            Time = message.Time,
            Subject = message.Subject,
        };
        await client.SendEventAsync(cloudEvent, cancellationToken);
        return null;
    }

    private static EventGridPublisherClient? CreateEventGridClient(EventOptions settings)
    {
        if (settings.TopicEndpoint is not { } endpoint)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(settings.TopicKey))
        {
            return new EventGridPublisherClient(endpoint, new AzureKeyCredential(settings.TopicKey));
        }

        // Events__ClientId names the app's user-assigned identity (function-app.bicep sets it).
        return new EventGridPublisherClient(endpoint, AzureCredentials.ForClientId(settings.ClientId));
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Delivered {Type} {EventId} to {Target} (try {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string type, string eventId, string target, int attempt);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Delivery of {Type} {EventId} to {Target} failed (try {Attempt}); retrying in {Delay} s: {Failure}")]
    private static partial void LogRetrying(ILogger logger, string type, string eventId, string target, int attempt, double delay, string failure);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Delivery of {Type} {EventId} to {Target} failed {Attempt} times; dead-lettered: {Failure}")]
    private static partial void LogDeadLettered(ILogger logger, string type, string eventId, string target, int attempt, string failure);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "An outbox message of {Length} characters is not an event; dead-lettered")]
    private static partial void LogPoison(ILogger logger, int length);
}
