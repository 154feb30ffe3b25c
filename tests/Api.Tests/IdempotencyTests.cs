using System.Net;
using System.Text;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary><c>Idempotency-Key</c> on <c>POST /tasks</c> (decisions.md, "Beyond the reference"), over real HTTP against SelfHost and Azurite.</summary>
public class IdempotencyTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    private HttpClient Api => fixture.Client;

    private static string Later => DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ");

    private static string UniqueTag() => "i" + Guid.NewGuid().ToString("N")[..12];

    private static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_replay_returns_the_first_reply_and_creates_nothing()
    {
        var tag = UniqueTag();
        var key = NewKey();
        var body = Body(tag);

        var first = await PostAsync(key, body);
        var replay = await PostAsync(key, body);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.False(first.Replayed);
        Assert.Equal(HttpStatusCode.Created, replay.Status);
        Assert.True(replay.Replayed);
        Assert.Equal(first.Body.ToString(), replay.Body.ToString());
        Assert.Equal(1, await CountAsync(tag));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_creates_nothing()
    {
        var tag = UniqueTag();
        var key = NewKey();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(key, Body(tag))).Status);

        var reused = await PostAsync(key, Body(tag, name: "another"));

        (reused.Status, reused.Body).AssertError(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(1, await CountAsync(tag));
    }

    [Fact]
    public async Task A_bad_key_is_400_and_a_bad_body_422_and_neither_reserves_the_key()
    {
        var tag = UniqueTag();
        var tooLong = await PostAsync(new string('k', 256), Body(tag));
        (tooLong.Status, tooLong.Body).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");

        var key = NewKey();
        var invalid = await PostAsync(key, JsonSerializer.Serialize(new { name = "", command = "true", tags = new[] { tag } }));
        (invalid.Status, invalid.Body).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(0, await CountAsync(tag));

        // The key was not spent on the refused request: the corrected one runs (it is not a replay).
        var corrected = await PostAsync(key, Body(tag));
        Assert.Equal(HttpStatusCode.Created, corrected.Status);
        Assert.False(corrected.Replayed);
        Assert.Equal(1, await CountAsync(tag));
    }

    [Fact]
    public async Task Sixteen_concurrent_identical_creates_make_exactly_one_task()
    {
        var tag = UniqueTag();
        var key = NewKey();
        var body = Body(tag);

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostAsync(key, body)));

        Assert.All(replies, r => Assert.True(
            r.Status == HttpStatusCode.Created || (r.Status == HttpStatusCode.Conflict && r.RetryAfter is not null),
            $"{(int)r.Status}: {r.Body}"));
        Assert.Single(replies, r => r is { Status: HttpStatusCode.Created, Replayed: false });
        Assert.All(replies.Where(r => r.Status == HttpStatusCode.Conflict), r => (r.Status, r.Body).AssertError(HttpStatusCode.Conflict, "request_in_progress"));
        var ids = replies.Where(r => r.Status == HttpStatusCode.Created).Select(r => r.Body.GetProperty("data").GetProperty("id").GetString()).Distinct().ToList();
        Assert.Single(ids);
        Assert.Equal(1, await CountAsync(tag));

        // Once the first has answered, every retry is a replay of it.
        var after = await PostAsync(key, body);
        Assert.True(after.Replayed);
        Assert.Equal(ids[0], after.Body.GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Sixteen_concurrent_identical_schedule_creates_make_exactly_one_schedule_and_a_replay_returns_it()
    {
        var name = "idem-" + UniqueTag();
        var key = NewKey();
        var body = JsonSerializer.Serialize(new { name, cron = "0 0 1 1 *", task = new { name = "yearly", command = "true" } });

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostAsync(key, body, "schedules")));

        Assert.All(replies, r => Assert.True(
            r.Status == HttpStatusCode.Created || (r.Status == HttpStatusCode.Conflict && r.RetryAfter is not null),
            $"{(int)r.Status}: {r.Body}"));
        Assert.Single(replies, r => r is { Status: HttpStatusCode.Created, Replayed: false });
        var id = replies.First(r => r.Status == HttpStatusCode.Created).Body.GetProperty("data").GetProperty("id").GetString();
        var after = await PostAsync(key, body, "schedules");
        Assert.True(after.Replayed);
        Assert.Equal(id, after.Body.GetProperty("data").GetProperty("id").GetString());

        var (status, list) = await Api.GetJsonAsync("schedules?limit=100");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(list.GetProperty("data").EnumerateArray(), s => s.GetProperty("name").GetString() == name);
    }

    private static string Body(string tag, string name = "idempotent") =>
        JsonSerializer.Serialize(new { name, command = "true", tags = new[] { tag }, scheduled_at = Later });

    private async Task<(HttpStatusCode Status, JsonElement Body, bool Replayed, string? RetryAfter)> PostAsync(string key, string body, string path = "tasks")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await Api.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
        var retryAfter = response.Headers.RetryAfter?.ToString();
        return (response.StatusCode, json, replayed, retryAfter);
    }

    private async Task<int> CountAsync(string tag)
    {
        var (status, body) = await Api.GetJsonAsync($"tasks?tag={tag}");
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("data").GetArrayLength();
    }
}
