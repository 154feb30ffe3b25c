using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace TaskScheduler.DispatchBench;

/// <summary>The few API calls the benchmarks make, over one pooled <see cref="HttpClient"/>.</summary>
public sealed class SchedulerApi : IDisposable
{
    private readonly HttpClient _http;

    public SchedulerApi(string baseUrl, string apiKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(30),
        };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", apiKey);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Creates a task at the given priority (and, when given, timeout) and returns its id.</summary>
    public async Task<string> CreateTaskAsync(string name, string command, int priority, CancellationToken cancellationToken, int? timeoutSeconds = null)
    {
        object body = timeoutSeconds is { } timeout
            ? new { name, command, priority, max_retries = 0, timeout_seconds = timeout }
            : new { name, command, priority, max_retries = 0 };
        var data = await SendAsync(HttpMethod.Post, "tasks", body, HttpStatusCode.Created, cancellationToken);
        return data.GetProperty("id").GetString()!;
    }

    public Task<JsonElement> GetTaskAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"tasks/{id}", null, HttpStatusCode.OK, cancellationToken);

    /// <summary>How many tasks have this status: the list's <c>meta.total</c> (the index counters, no scan).</summary>
    public async Task<long> CountAsync(string status, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"tasks?status={status}&limit=1", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return body.RootElement.GetProperty("meta").GetProperty("total").GetInt64();
    }

    /// <summary>When the scheduler logged "Attempt 1 queued" (its clock), i.e. right after the dispatch message was sent.</summary>
    public async Task<DateTimeOffset?> QueuedAtAsync(string id, CancellationToken cancellationToken)
    {
        var lines = await SendAsync(HttpMethod.Get, $"tasks/{id}/logs?limit=20", null, HttpStatusCode.OK, cancellationToken);
        foreach (var line in lines.EnumerateArray())
        {
            if (line.GetProperty("message").GetString() is { } message && message.Contains("queued", StringComparison.Ordinal))
            {
                return DateTimeOffset.Parse(line.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Registered workers that are not offline (the first page: the bench's systems have a handful).</summary>
    public async Task<int> CountWorkersAsync(CancellationToken cancellationToken)
    {
        var workers = await SendAsync(HttpMethod.Get, "workers", null, HttpStatusCode.OK, cancellationToken);
        return workers.EnumerateArray().Count(w => w.GetProperty("status").GetString() != "offline");
    }

    public Task RegisterWorkerAsync(string workerId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "workers", new { id = workerId, hostname = "dispatch-bench", version = "bench", concurrency = 1 }, HttpStatusCode.Created, cancellationToken);

    public Task HeartbeatAsync(string workerId, IEnumerable<(string TaskId, int Attempt)> running, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"workers/{workerId}/heartbeat", new
        {
            current_tasks = running.Select(r => new { task_id = r.TaskId, attempt = r.Attempt }).ToList(),
            resources = new { cpu_usage = 0.1, memory_usage = 0.1, disk_usage = 0.1 },
        }, HttpStatusCode.OK, cancellationToken);

    /// <summary>The claim's status code: 200 won, 409 lost (or not claimable), 404 unknown task.</summary>
    public async Task<HttpStatusCode> ClaimAsync(string taskId, int attempt, string workerId, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync($"tasks/{taskId}/claim", new { worker_id = workerId, attempt }, cancellationToken);
        return response.StatusCode;
    }

    public Task CompleteAsync(string taskId, int attempt, string workerId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"tasks/{taskId}/complete", new { worker_id = workerId, attempt, result = string.Empty, exit_code = 0 }, HttpStatusCode.OK, cancellationToken);

    /// <summary>Sends a request and returns its <c>data</c>; any other status than <paramref name="expected"/> throws with the body.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("data").Clone();
    }
}
