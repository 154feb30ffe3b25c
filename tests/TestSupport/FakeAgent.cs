using System.Net;
using System.Text.Json;
using Azure.Storage.Queues;
using TaskScheduler.AgentProtocol;
using Xunit;

namespace TaskScheduler.TestSupport;

/// <summary>
/// A scripted agent: it reads the priority queues like the real agent and speaks the agent protocol over HTTP,
/// but the test decides what each attempt does. Messages for tasks the test is not waiting for (left over by an
/// earlier test of the class) are deleted.
/// </summary>
public sealed class FakeAgent
{
    private readonly HttpClient _api;
    private readonly QueueClient[] _queues;

    /// <param name="queueConnection">Where the agent reads its queues (default: the test Azurite).</param>
    public FakeAgent(SelfHostProcess host, string workerId, string? queueConnection = null)
    {
        _api = host.Client;
        WorkerId = workerId;
        var service = new QueueServiceClient(queueConnection ?? TestStorage.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        _queues = QueueNames.ByPrecedence.Select(name => service.GetQueueClient(host.Prefix + name)).ToArray();
    }

    public string WorkerId { get; }

    public async Task RegisterAsync()
    {
        var (status, body) = await _api.PostJsonAsync("workers", new { id = WorkerId, hostname = "fake-" + WorkerId, version = "test" });
        Assert.True(status == HttpStatusCode.Created, body.ToString());
    }

    /// <summary>Waits for the dispatch message of <paramref name="taskId"/> and deletes it; returns its attempt.</summary>
    public async Task<int> ReceiveAsync(string taskId, TimeSpan? timeout = null) =>
        await TryReceiveAsync(taskId, timeout ?? TimeSpan.FromSeconds(30))
        ?? throw new TimeoutException($"No dispatch message for {taskId} within the deadline");

    /// <summary>Like <see cref="ReceiveAsync"/>, but null when nothing came within <paramref name="timeout"/>.</summary>
    public async Task<int?> TryReceiveAsync(string taskId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var queue in _queues)
            {
                var messages = await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(30));
                foreach (var message in messages.Value)
                {
                    var dispatch = DispatchMessage.TryParse(message.MessageText);
                    if (dispatch?.TaskId == taskId)
                    {
                        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                        return dispatch.Attempt;
                    }

                    // Another task's message: put it back for whoever waits for it, unless that task is over.
                    if (dispatch is null || await IsOverAsync(dispatch.TaskId))
                    {
                        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    }
                    else
                    {
                        await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                    }
                }
            }

            await Task.Delay(50);
        }

        return null;
    }

    /// <summary>
    /// One receive per band, highest first, as the real agent polls: the first dispatch found, deleted once
    /// <paramref name="handle"/> has run (a message that is not a dispatch is deleted at once); false when every band was empty.
    /// </summary>
    public async Task<bool> TryHandleNextAsync(Func<DispatchMessage, Task> handle, CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
        {
            var message = (await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(60), cancellationToken)).Value;
            if (message is null)
            {
                continue;
            }

            if (DispatchMessage.TryParse(message.MessageText) is { } dispatch)
            {
                await handle(dispatch);
            }

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            return true;
        }

        return false;
    }

    private async Task<bool> IsOverAsync(string taskId)
    {
        var (status, body) = await _api.GetJsonAsync($"tasks/{taskId}");
        return status == HttpStatusCode.NotFound
            || body.GetProperty("data").GetProperty("status").GetString() is "completed" or "failed" or "cancelled";
    }

    /// <summary>True when no message for the task is on any queue right now (it is not dispatched yet).</summary>
    public async Task<bool> NothingQueuedForAsync(string taskId)
    {
        foreach (var queue in _queues)
        {
            var peeked = await queue.PeekMessagesAsync(maxMessages: 32);
            if (peeked.Value.Any(m => DispatchMessage.TryParse(m.MessageText)?.TaskId == taskId))
            {
                return false;
            }
        }

        return true;
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> ClaimAsync(string taskId, int attempt) =>
        _api.PostJsonAsync($"tasks/{taskId}/claim", new { worker_id = WorkerId, attempt });

    /// <summary>Receives and claims the next attempt of a task; fails the test if the claim is refused.</summary>
    public async Task<int> ClaimNextAsync(string taskId)
    {
        var attempt = await ReceiveAsync(taskId);
        var (status, body) = await ClaimAsync(taskId, attempt);
        Assert.True(status == HttpStatusCode.OK, $"claim of {taskId} attempt {attempt}: {(int)status} {body}");
        return attempt;
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> CompleteAsync(string taskId, int attempt, string result = "ok") =>
        _api.PostJsonAsync($"tasks/{taskId}/complete", new { worker_id = WorkerId, attempt, result, exit_code = 0 });

    public Task<(HttpStatusCode Status, JsonElement Body)> FailAsync(string taskId, int attempt, string error = "boom", int exitCode = 1) =>
        _api.PostJsonAsync($"tasks/{taskId}/fail", new { worker_id = WorkerId, attempt, error, exit_code = exitCode });

    /// <summary>Heart-beats every second in the background, reporting what <paramref name="running"/> says, until disposed.</summary>
    public IAsyncDisposable StartHeartbeats(Func<(string TaskId, int Attempt)[]> running)
    {
        var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await HeartbeatAsync(running());
                    await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
        return new Heartbeats(stop, loop);
    }

    /// <summary>Heart-beats with the given attempts and returns the task ids the scheduler wants stopped.</summary>
    public async Task<IReadOnlyList<string>> HeartbeatAsync(params (string TaskId, int Attempt)[] running)
    {
        var (status, body) = await _api.PostJsonAsync($"workers/{WorkerId}/heartbeat", new
        {
            current_tasks = running.Select(r => new { task_id = r.TaskId, attempt = r.Attempt }),
            resources = new { cpu_usage = 0.1, memory_usage = 0.2, disk_usage = 0.3 },
        });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data").GetProperty("kill").EnumerateArray().Select(k => k.GetProperty("task_id").GetString()!).ToList();
    }

    private sealed class Heartbeats(CancellationTokenSource stop, Task loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await loop;
            stop.Dispose();
        }
    }
}
