using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Operations.Tests;

/// <summary>Events through the durable outbox: signed webhooks with retries and dead-lettering, and Event Grid.</summary>
public sealed class EventTests
{
    private const string Secret = "test-secret";

    private static string Sign(byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));

    [Fact]
    public async Task Every_event_type_reaches_the_webhook_signed_retried_after_500_and_dead_lettered_after_the_last_try()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        // The good receiver fails its first request once; the bad one always fails.
        receiver.Answer = (path, before) => path == "/bad" || (path == "/good" && before == 0) ? 500 : 200;
        await using var host = await SelfHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Events__Webhooks__0__Url"] = new Uri(receiver.BaseAddress, "/good").ToString(),
            ["Events__Webhooks__0__Secret"] = Secret,
            ["Events__Webhooks__1__Url"] = new Uri(receiver.BaseAddress, "/bad").ToString(),
            ["Events__Webhooks__1__Secret"] = Secret,
            ["Events__Webhooks__1__Events__0"] = "task.created",
            ["Events__MaxAttempts"] = "3",
            ["Events__RetryBaseDelaySeconds"] = "0.5",
            ["Scheduler__RetryBaseDelaySeconds"] = "0.5",
            ["Scheduler__WorkerOfflineAfterSeconds"] = "4",
            ["SweepLostWorkersSchedule"] = "* * * * * *",
            ["DurableTask__MaxQueuePollingIntervalMs"] = "200",
        });
        var api = host.Client;
        var agent = new FakeAgent(host, "hooked-" + Guid.NewGuid().ToString("N")[..6]);
        await agent.RegisterAsync();

        var ok = (await api.CreateTaskAsync(new { name = "ok", command = "true" })).GetProperty("id").GetString()!;
        var attempt = await agent.ClaimNextAsync(ok);
        await agent.CompleteAsync(ok, attempt);
        var flaky = (await api.CreateTaskAsync(new { name = "flaky", command = "false", max_retries = 1 })).GetProperty("id").GetString()!;
        for (var i = 0; i < 2; i++)
        {
            var n = await agent.ClaimNextAsync(flaky);
            await agent.FailAsync(flaky, n);
        }

        var doomed = (await api.CreateTaskAsync(new { name = "doomed", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddHours(1).ToString("O") })).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync($"tasks/{doomed}/cancel", null)).Status);

        // The agent now goes silent: worker.offline follows.
        var expected = new[] { "task.created", "task.started", "task.completed", "task.failed", "task.cancelled", "task.retrying", "worker.registered", "worker.offline" };
        var delivered = await Poll.UntilAsync(
            () => Task.FromResult(receiver.Requests.Where(r => r.Path == "/good" && r.AnsweredWith == 200).ToList()),
            list => expected.All(type => list.Any(r => r.Headers["X-Event-Type"] == type)),
            TimeSpan.FromSeconds(60),
            "every event type to be delivered");

        foreach (var request in delivered)
        {
            Assert.Equal(Sign(request.Body), request.Headers["X-Signature-256"]);
            using var payload = JsonDocument.Parse(request.Body);
            var root = payload.RootElement;
            Assert.Equal(request.Headers["X-Event-Type"], root.GetProperty("event").GetString());
            Assert.Equal(request.Headers["X-Event-Id"], root.GetProperty("id").GetString());
            Assert.EndsWith("Z", root.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
            Assert.True(root.TryGetProperty(request.Headers["X-Event-Type"].StartsWith("task.", StringComparison.Ordinal) ? "task" : "worker", out _), root.ToString());
        }

        var completed = JsonDocument.Parse(delivered.First(r => r.Headers["X-Event-Type"] == "task.completed").Body).RootElement.GetProperty("task");
        Assert.Equal(ok, completed.GetProperty("id").GetString());
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal("ok", completed.GetProperty("result").GetString());

        // The first delivery was answered 500 and came again, same event id, as try 2.
        var first = receiver.Requests.First(r => r.Path == "/good");
        Assert.Equal(500, first.AnsweredWith);
        Assert.Contains(receiver.Requests, r => r.Path == "/good" && r.AnsweredWith == 200 && r.Headers["X-Event-Id"] == first.Headers["X-Event-Id"] && r.Headers["X-Delivery-Attempt"] == "2");

        // Each happening once: ids are unique among successful deliveries.
        Assert.Equal(delivered.Count, delivered.Select(r => r.Headers["X-Event-Id"]).Distinct().Count());

        // The always-failing receiver (subscribed to task.created only) got 3 tries per event, then the dead-letter queue.
        var deadLetter = new QueueClient(TestStorage.ConnectionString, host.Prefix + "events-deadletter", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var dead = await Poll.UntilAsync(
            async () => (await deadLetter.PeekMessagesAsync(32)).Value.Length,
            count => count >= 3,
            TimeSpan.FromSeconds(60),
            "the bad receiver's events to be dead-lettered");
        Assert.Equal(3, dead);
        Assert.All(receiver.Requests.Where(r => r.Path == "/bad"), r => Assert.Equal("task.created", r.Headers["X-Event-Type"]));
        Assert.Equal(9, receiver.Requests.Count(r => r.Path == "/bad"));
    }

    [Fact]
    public async Task With_a_topic_configured_events_go_to_Event_Grid_as_CloudEvents()
    {
        await using var topic = await HttpReceiver.StartAsync();
        await using var host = await SelfHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Events__TopicEndpoint"] = new Uri(topic.BaseAddress, "/api/events").ToString(),
            ["Events__TopicKey"] = "local-test-key",
        });

        var id = (await host.Client.CreateTaskAsync(new { name = "published", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddHours(1).ToString("O") })).GetProperty("id").GetString()!;

        var request = await Poll.UntilAsync(
            () => Task.FromResult(topic.Requests.FirstOrDefault()),
            r => r is not null,
            TimeSpan.FromSeconds(30),
            "the topic to receive an event");
        Assert.Equal("/api/events", request!.Path);
        Assert.Equal("local-test-key", request.Headers["aeg-sas-key"]);
        Assert.StartsWith("application/cloudevents-batch+json", request.Headers["Content-Type"], StringComparison.Ordinal);
        using var batch = JsonDocument.Parse(request.Body);
        var cloudEvent = batch.RootElement[0];
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("task.created", cloudEvent.GetProperty("type").GetString());
        Assert.Equal("/taskscheduler", cloudEvent.GetProperty("source").GetString());
        Assert.Equal($"tasks/{id}", cloudEvent.GetProperty("subject").GetString());
        var data = cloudEvent.GetProperty("data");
        Assert.Equal(cloudEvent.GetProperty("id").GetString(), data.GetProperty("id").GetString());
        Assert.Equal("task.created", data.GetProperty("event").GetString());
        Assert.Equal(id, data.GetProperty("task").GetProperty("id").GetString());
    }
}
