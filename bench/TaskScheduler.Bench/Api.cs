using System.Globalization;
using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Bench;

/// <summary>The few reads the benchmarks make beyond tests/TestSupport's <see cref="ApiCalls"/>, on SelfHost's admin client.</summary>
public static class Api
{
    /// <summary>Creates a no-retry task running <paramref name="command"/> and returns its id.</summary>
    public static async Task<string> CreateTaskAsync(this HttpClient api, string name, string command = "true", int? timeoutSeconds = null)
    {
        var body = new Dictionary<string, object> { ["name"] = name, ["command"] = command, ["priority"] = 5, ["max_retries"] = 0 };
        if (timeoutSeconds is { } timeout)
        {
            body["timeout_seconds"] = timeout;
        }

        return (await api.CreateTaskAsync(body)).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> DataAsync(this HttpClient api, string path)
    {
        var (status, body) = await api.GetJsonAsync(path);
        return status == HttpStatusCode.OK ? body.GetProperty("data") : throw new HttpRequestException($"GET {path} answered {(int)status}: {body}");
    }

    /// <summary>When the scheduler logged "Attempt 1 queued" (its clock), i.e. right after the dispatch message was sent.</summary>
    public static async Task<DateTimeOffset?> QueuedAtAsync(this HttpClient api, string id) =>
        (await api.DataAsync($"tasks/{id}/logs?limit=20")).EnumerateArray()
            .Where(line => line.GetProperty("message").GetString()?.Contains("queued", StringComparison.Ordinal) == true)
            .Select(line => (DateTimeOffset?)DateTimeOffset.Parse(line.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture))
            .FirstOrDefault();

    /// <summary>Registered workers that are not offline (the first page: the bench's systems have a handful).</summary>
    public static async Task<int> CountWorkersAsync(this HttpClient api) =>
        (await api.DataAsync("workers")).EnumerateArray().Count(w => w.GetProperty("status").GetString() != "offline");
}
