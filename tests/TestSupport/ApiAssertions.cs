using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit;

namespace TaskScheduler.TestSupport;

/// <summary>Calls the API over HTTP and reads replies as raw JSON, so tests check the wire, not our own types.</summary>
public static class ApiCalls
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement json;
        try
        {
            json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"{method} {path} answered {(int)response.StatusCode} with a body that is not JSON: {text}");
        }

        return (response.StatusCode, json);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(this HttpClient client, string path) =>
        client.SendAsync(HttpMethod.Get, path);

    public static Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient client, string path, object? body) =>
        client.SendAsync(HttpMethod.Post, path, body);

    /// <summary>Creates a task and returns its <c>data</c>; fails the test on anything but 201.</summary>
    public static async Task<JsonElement> CreateTaskAsync(this HttpClient client, object body)
    {
        var (status, json) = await client.PostJsonAsync("tasks", body);
        Assert.True(status == HttpStatusCode.Created, $"POST /tasks answered {(int)status}: {json}");
        return json.GetProperty("data");
    }

    /// <summary>Creates an API key (the client must hold <c>admin</c>) and returns the key itself.</summary>
    public static async Task<string> CreateApiKeyAsync(this HttpClient admin, string name, string[] scopes, string? tier = null)
    {
        var (status, json) = await admin.PostJsonAsync("keys", tier is null ? new { name, scopes } : new { name, scopes, tier });
        Assert.True(status == HttpStatusCode.Created, $"POST /keys answered {(int)status}: {json}");
        return json.GetProperty("data").GetProperty("key").GetString()!;
    }

    /// <summary>Asserts the error envelope: the status, the code, and no <c>data</c>.</summary>
    public static JsonElement AssertError(this (HttpStatusCode Status, JsonElement Body) reply, HttpStatusCode status, string code)
    {
        Assert.True(reply.Status == status, $"expected {(int)status} {code}, got {(int)reply.Status}: {reply.Body}");
        var error = reply.Body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.False(reply.Body.TryGetProperty("data", out _), "an error reply must not carry data");
        return error;
    }
}
