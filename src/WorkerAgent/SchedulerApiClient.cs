using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;

namespace TaskScheduler.WorkerAgent;

/// <summary>How the scheduler answered a call that changes an attempt.</summary>
public enum ApiAnswer
{
    Accepted,

    /// <summary>409: stale, duplicate or foreign (the attempt is no longer ours).</summary>
    Refused,

    /// <summary>404: the task does not exist (deleted, or a poison message).</summary>
    Unknown,
}

/// <summary>
/// The agent protocol over HTTP. The client comes from <c>IHttpClientFactory</c> with the standard resilience
/// handler (retries with back-off, timeouts, circuit breaker); this class adds the protocol's meaning of 404/409
/// and logs an outage once when it starts and once when it ends, not once per try.
/// </summary>
public sealed partial class SchedulerApiClient(HttpClient http, IOptions<AgentOptions> options, ILogger<SchedulerApiClient> logger)
{
    private readonly object _outageLock = new();
    private DateTimeOffset? _outageSince;

    public async Task<(string WorkerId, int HeartbeatSeconds, int LeaseSeconds)> RegisterAsync(string workerId, CancellationToken cancellationToken)
    {
        var registration = new WorkerRegistration(
            workerId,
            Environment.MachineName,
            typeof(SchedulerApiClient).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
            options.Value.Tags,
            options.Value.Slots);
        using var reply = await SendAsync(HttpMethod.Post, "workers", registration, cancellationToken);
        await EnsureSuccessAsync(reply);
        var (worker, timing) = await ReadAsync<RegisteredWorker, WorkerTiming>(reply, cancellationToken);
        return timing is null
            ? throw new SchedulerUnreachableException("The registration reply had no meta (heartbeat interval, lease).", null)
            : (worker.Id, timing.HeartbeatIntervalSeconds, timing.LeaseSeconds);
    }

    /// <summary>Reports what runs and how loaded the machine is; the reply names the attempts to stop.</summary>
    /// <exception cref="WorkerNotRegisteredException">404: the worker row is gone (register again).</exception>
    public async Task<HeartbeatReply> HeartbeatAsync(string workerId, IReadOnlyList<RunningAttempt> running, WorkerResources resources, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(HttpMethod.Post, $"workers/{workerId}/heartbeat", new HeartbeatRequest(running, resources), cancellationToken);
        if (reply.StatusCode == HttpStatusCode.NotFound)
        {
            throw new WorkerNotRegisteredException(workerId);
        }

        await EnsureSuccessAsync(reply);
        return (await ReadAsync<HeartbeatReply, JsonElement?>(reply, cancellationToken)).Data;
    }

    public async Task<(ApiAnswer Answer, ClaimedAttempt? Attempt)> ClaimAsync(string taskId, int attempt, string workerId, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(HttpMethod.Post, $"tasks/{taskId}/claim", new ClaimRequest(workerId, attempt), cancellationToken);
        var answer = await AnswerOfAsync(reply);
        return answer == ApiAnswer.Accepted
            ? (answer, (await ReadAsync<ClaimedAttempt, JsonElement?>(reply, cancellationToken)).Data)
            : (answer, null);
    }

    public async Task<ApiAnswer> CompleteAsync(ClaimedAttempt attempt, string workerId, string? result, int exitCode, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(HttpMethod.Post, $"tasks/{attempt.TaskId}/complete", new CompleteRequest(workerId, attempt.Attempt, result, exitCode), cancellationToken);
        return await AnswerOfAsync(reply);
    }

    public async Task<ApiAnswer> FailAsync(ClaimedAttempt attempt, string workerId, string error, string? result, int? exitCode, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(HttpMethod.Post, $"tasks/{attempt.TaskId}/fail", new FailRequest(workerId, attempt.Attempt, error, result, exitCode), cancellationToken);
        return await AnswerOfAsync(reply);
    }

    public async Task<ApiAnswer> AppendLogsAsync(ClaimedAttempt attempt, string workerId, IReadOnlyList<OutputLine> lines, CancellationToken cancellationToken)
    {
        var batch = new LogBatch(workerId, attempt.Attempt, lines.Select(l => new LogLine(l.Level, l.Text, l.Timestamp)).ToList());
        using var reply = await SendAsync(HttpMethod.Post, $"tasks/{attempt.TaskId}/logs", batch, cancellationToken);
        return await AnswerOfAsync(reply);
    }

    public async Task<ApiAnswer> CheckpointAsync(ClaimedAttempt attempt, string workerId, JsonElement checkpoint, CancellationToken cancellationToken)
    {
        using var reply = await SendAsync(HttpMethod.Post, $"tasks/{attempt.TaskId}/checkpoint", new CheckpointRequest(checkpoint, workerId, attempt.Attempt), cancellationToken);
        return await AnswerOfAsync(reply);
    }

    /// <summary>The envelope of a success reply, read into the protocol's records.</summary>
    private static async Task<(TData Data, TMeta? Meta)> ReadAsync<TData, TMeta>(HttpResponseMessage reply, CancellationToken cancellationToken)
    {
        var envelope = await reply.Content.ReadFromJsonAsync<SuccessEnvelope<TData, TMeta>>(AgentJson.Options, cancellationToken)
            ?? throw new SchedulerUnreachableException("The scheduler answered with an empty body.", null);
        return (envelope.Data, envelope.Meta);
    }

    /// <summary>
    /// A success reply as api-reference.md shapes every one: <c>data</c>, and <c>meta</c> where the call has any. Read
    /// tolerantly, like every reply: a member a newer scheduler adds must not break an older agent.
    /// </summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
    private sealed record SuccessEnvelope<TData, TMeta>(TData Data, TMeta? Meta = default);

    private async Task<HttpResponseMessage> SendAsync<TBody>(HttpMethod method, string path, TBody body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, options: AgentJson.Options) };
        if (!string.IsNullOrEmpty(options.Value.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", options.Value.ApiKey);
        }

        try
        {
            var reply = await http.SendAsync(request, cancellationToken);
            if ((int)reply.StatusCode < 500)
            {
                OutageEnded();
            }

            return reply;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException
            || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            OutageStarted(ex);
            throw new SchedulerUnreachableException($"{method} {path} failed: {ex.Message}", ex);
        }
    }

    private static async Task<ApiAnswer> AnswerOfAsync(HttpResponseMessage reply)
    {
        switch (reply.StatusCode)
        {
            case HttpStatusCode.Conflict:
                return ApiAnswer.Refused;
            case HttpStatusCode.NotFound:
                return ApiAnswer.Unknown;
            default:
                await EnsureSuccessAsync(reply);
                return ApiAnswer.Accepted;
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage reply)
    {
        if (!reply.IsSuccessStatusCode)
        {
            var text = await reply.Content.ReadAsStringAsync();
            throw new SchedulerUnreachableException($"The scheduler answered {(int)reply.StatusCode}: {text[..Math.Min(text.Length, 500)]}", null);
        }
    }

    private void OutageStarted(Exception ex)
    {
        lock (_outageLock)
        {
            if (_outageSince is not null)
            {
                return;
            }

            _outageSince = DateTimeOffset.UtcNow;
        }

        LogOutage(logger, ex.GetType().Name, ex.Message);
    }

    private void OutageEnded()
    {
        TimeSpan lasted;
        lock (_outageLock)
        {
            if (_outageSince is not { } since)
            {
                return;
            }

            lasted = DateTimeOffset.UtcNow - since;
            _outageSince = null;
        }

        LogRecovered(logger, lasted.TotalSeconds);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "The scheduler API is unreachable ({Error}: {Message}); retrying with back-off")]
    private static partial void LogOutage(ILogger logger, string error, string message);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "The scheduler API is reachable again after {Seconds:0.0} s")]
    private static partial void LogRecovered(ILogger logger, double seconds);
}

/// <summary>The API could not be reached, or answered with a server error, after the resilience handler's retries.</summary>
public sealed class SchedulerUnreachableException(string message, Exception? inner) : Exception(message, inner);

/// <summary>The scheduler answered a heartbeat with 404: it has no row for this worker (any more).</summary>
public sealed class WorkerNotRegisteredException(string workerId) : Exception($"Worker '{workerId}' is not registered.");
