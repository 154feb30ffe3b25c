using System.Net;
using System.Text;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>Targeted hostile input: each limit and each injection attempt, with the code it must get.</summary>
[Collection(SecuredHostGroup.Name)]
public class HostileInputTests(SecuredHost host)
{
    private async Task<string> PendingTaskAsync() =>
        (await host.Api.CreateTaskAsync(new { name = "target", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(300) })).GetProperty("id").GetString()!;

    [Theory]
    [InlineData("tasks?tag=' or 1 eq 1 or '")]
    [InlineData("tasks?tag=a%27%20or%20PartitionKey%20ne%20%27")]
    [InlineData("tasks?status=pending' or '1' eq '1")]
    [InlineData("tasks?status=pending%00")]
    [InlineData("tasks?sort=name desc,id")]
    [InlineData("tasks?order=desc;drop")]
    [InlineData("tasks?page=-1")]
    [InlineData("tasks?page=1e3")]
    [InlineData("tasks?page=100001")]
    [InlineData("tasks?limit=101")]
    [InlineData("tasks?limit=0x10")]
    [InlineData("tasks?limit=%EF%BC%91")]
    [InlineData("tasks?limit=1&limit=2")]
    [InlineData("tasks?$filter=true")]
    [InlineData("tasks/task-1/logs?level=info' or '")]
    [InlineData("tasks/task-1/logs?offset=-5")]
    [InlineData("workers?status=active' or 'a' eq 'a")]
    [InlineData("keys?page=0")]
    public async Task Every_bad_query_value_is_a_400_naming_the_parameter(string path)
    {
        var id = await PendingTaskAsync();
        var error = (await host.Api.GetJsonAsync(path.Replace("task-1", id, StringComparison.Ordinal))).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");
        Assert.Equal(JsonValueKindObject, error.GetProperty("details").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindObject = System.Text.Json.JsonValueKind.Object;

    [Theory]
    [InlineData("tasks/task-x'%20or%20PartitionKey%20ne%20'")]
    [InlineData("tasks/%27%27")]
    [InlineData("tasks/task%2Fx")]
    [InlineData("tasks/..%2F..%2Fworkers")]
    [InlineData("tasks/task-%01")]
    [InlineData("tasks/task-%C3%28")]
    [InlineData("workers/w'%20or%20'1'%20eq%20'1")]
    [InlineData("workers/w'%20or%20'1'%20eq%20'1/tasks")]
    public async Task Ids_that_cannot_exist_are_not_found_without_touching_storage(string path) =>
        (await host.Api.GetJsonAsync(path)).AssertError(HttpStatusCode.NotFound, "not_found");

    [Fact]
    public async Task A_nul_in_the_path_is_refused_by_the_http_server_before_any_application_code()
    {
        // Kestrel rejects the request line itself (400, no body): no route, credential or envelope is involved.
        using var response = await host.Api.GetAsync("tasks/task-%00");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("API-Version"));
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_a_413()
    {
        var huge = "{\"name\": \"" + new string('a', 1024 * 1024 + 10) + "\", \"command\": \"true\"}";

        // Expect: 100-continue, as a careful client sends a large body: the server refuses on Content-Length alone,
        // before reading any of it, so the answer arrives before the body is sent (without it, the server may
        // close the connection while the client still writes the mebibyte, and the client sees a broken pipe).
        using var request = new HttpRequestMessage(HttpMethod.Post, "tasks") { Content = new StringContent(huge, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await host.Api.SendAsync(request);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        (response.StatusCode, body).AssertError(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Deep_nesting_invalid_utf8_and_lone_surrogates_are_invalid_json()
    {
        (await host.Api.PostJsonAsync("tasks", new string('[', 5000) + new string(']', 5000))).AssertError(HttpStatusCode.BadRequest, "invalid_json");
        (await host.Api.PostJsonAsync("tasks", "{\"name\": \"\\ud800\", \"command\": \"true\"}")).AssertError(HttpStatusCode.BadRequest, "invalid_json");
        (await host.Api.PostJsonAsync("keys", "{\"\\udfff\": 1}")).AssertError(HttpStatusCode.BadRequest, "invalid_json");

        using var request = new HttpRequestMessage(HttpMethod.Post, "tasks")
        {
            Content = new ByteArrayContent([.. "{\"name\": \""u8, 0xC3, 0x28, 0xFF, .. "\", \"command\": \"true\"}"u8]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await host.Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name": "a\u0000b", "command": "true"}""", "name")]
    [InlineData("""{"name": "a\nb", "command": "true"}""", "name")]
    [InlineData("""{"name": "x", "command": "a\u0000b"}""", "command")]
    [InlineData("""{"name": "x", "command": "true", "priority": 1e400}""", "priority")]
    [InlineData("""{"name": "x", "command": "true", "priority": "10"}""", "priority")]
    [InlineData("""{"name": "x", "command": "true", "max_retries": 21}""", "max_retries")]
    [InlineData("""{"name": "x", "command": "true", "timeout_seconds": 604801}""", "timeout_seconds")]
    [InlineData("""{"name": "x", "command": "true", "scheduled_at": "2999-01-01T00:00:00Z"}""", "scheduled_at")]
    [InlineData("""{"name": "x", "command": "true", "scheduled_at": "tomorrow"}""", "scheduled_at")]
    [InlineData("""{"name": "x", "command": "true", "tags": ["' or 1 eq 1"]}""", "tags")]
    [InlineData("""{"name": "x", "command": "true", "tags": ["a|b"]}""", "tags")]
    [InlineData("""{"name": "x", "command": "true", "dependencies": ["task-1' or '"]}""", "dependencies")]
    [InlineData("""{"name": "x", "command": "true", "checkpoint_enabled": "yes"}""", "checkpoint_enabled")]
    [InlineData("""{"name": "x", "command": "true", "PartitionKey": "task-1"}""", "PartitionKey")]
    public async Task Field_limits_are_422s_naming_the_field(string body, string field)
    {
        var error = (await host.Api.PostJsonAsync("tasks", body)).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Long_fields_are_refused()
    {
        foreach (var (body, field) in new[]
                 {
                     (new { name = new string('n', 201), command = "true" } as object, "name"),
                     (new { name = "x", command = new string('c', 8193) }, "command"),
                     (new { name = "x", command = "true", description = new string('d', 4001) }, "description"),
                     (new { name = "x", command = "true", tags = Enumerable.Range(0, 21).Select(i => $"t{i}").ToArray() }, "tags"),
                     (new { name = "x", command = "true", dependencies = Enumerable.Range(0, 51).Select(i => $"task-{i}").ToArray() }, "dependencies"),
                 })
        {
            var error = (await host.Api.PostJsonAsync("tasks", body)).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
            Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
        }
    }

    [Fact]
    public async Task A_checkpoint_over_32_KiB_is_refused()
    {
        var id = await PendingTaskAsync();
        var big = new { checkpoint_data = new { blob = new string('x', 33 * 1024) } };
        var error = (await host.Api.PostJsonAsync($"tasks/{id}/checkpoint", big)).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Contains("32 KiB", error.GetProperty("details").GetProperty("checkpoint_data").GetString(), StringComparison.Ordinal);
        (await host.Api.PostJsonAsync($"tasks/{id}/checkpoint", new { checkpoint_data = "not an object" })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
    }

    [Fact]
    public async Task Agent_bodies_are_bounded()
    {
        var id = await PendingTaskAsync();
        var lines = Enumerable.Range(0, 5001).Select(i => new { timestamp = "2026-01-01T00:00:00Z", level = "info", message = "m" }).ToArray();
        (await host.Api.PostJsonAsync($"tasks/{id}/logs", new { worker_id = "w1", attempt = 1, lines })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        (await host.Api.PostJsonAsync($"tasks/{id}/claim", new { worker_id = "w' or '1' eq '1", attempt = 1 })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        (await host.Api.PostJsonAsync("workers", new { id = "w/../x", hostname = "h" })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        (await host.Api.PostJsonAsync("workers/w1/heartbeat", new { resources = new { cpu_usage = 7 } })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");

        // Wrong JSON types where numbers belong were once 500s (JsonElement.TryGetInt32 throws on a string).
        (await host.Api.PostJsonAsync("workers/w1/heartbeat", new { current_tasks = new[] { new { task_id = id, attempt = "1" } } })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        (await host.Api.PostJsonAsync("workers", new { hostname = "h", concurrency = "4" })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");

        // A fencing member of the wrong type was once ignored (and the checkpoint then judged without it); now it is
        // a 422 naming it, as on every other agent route.
        var fence = (await host.Api.PostJsonAsync($"tasks/{id}/checkpoint", new { checkpoint_data = new { step = 1 }, worker_id = "w1", attempt = "one" })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.True(fence.GetProperty("details").TryGetProperty("attempt", out _), fence.ToString());
    }

    [Fact]
    public async Task A_long_authorization_header_is_refused_without_work()
    {
        using var client = host.Client("Bearer " + new string('a', 20_000));
        using var response = await client.GetAsync("tasks");
        await SecuredHost.AssertUnauthorizedAsync(response, "a 20 KB bearer token");
        Assert.True(Encoding.UTF8.GetByteCount(await response.Content.ReadAsStringAsync()) < 1024);
    }
}
