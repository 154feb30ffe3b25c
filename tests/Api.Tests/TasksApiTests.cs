using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>The tasks resource over real HTTP against SelfHost and Azurite.</summary>
public class TasksApiTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    private static readonly string[] TaskFields =
    [
        "id", "name", "description", "command", "status", "priority", "retry_count", "max_retries", "created_at",
        "updated_at", "scheduled_at", "started_at", "completed_at", "timeout_seconds", "tags", "dependencies",
        "worker_id", "result", "error", "checkpoint_data", "checkpoint_enabled",

        // Beyond the reference: the recurring schedule that made the task (null for a task created by POST /tasks).
        "schedule_id",
    ];

    private HttpClient Api => fixture.Client;

    /// <summary>Far enough ahead that the task stays pending for the whole test.</summary>
    private static string Later => DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ");

    private static string UniqueTag() => "t" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Create_answers_201_with_every_field_and_the_defaults()
    {
        var (status, body) = await Api.PostJsonAsync("tasks", new { name = "hello", command = "echo hello", scheduled_at = Later });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.False(body.TryGetProperty("error", out _));
        var data = body.GetProperty("data");
        Assert.Equal(TaskFields.Order(), data.EnumerateObject().Select(p => p.Name).Order());
        Assert.StartsWith("task-", data.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("hello", data.GetProperty("name").GetString());
        Assert.Equal("pending", data.GetProperty("status").GetString());
        Assert.Equal(5, data.GetProperty("priority").GetInt32());
        Assert.Equal(0, data.GetProperty("retry_count").GetInt32());
        Assert.Equal(3, data.GetProperty("max_retries").GetInt32());
        Assert.Equal(3600, data.GetProperty("timeout_seconds").GetInt32());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("description").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("started_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("worker_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("checkpoint_data").ValueKind);
        Assert.Equal(0, data.GetProperty("tags").GetArrayLength());
        Assert.Equal(0, data.GetProperty("dependencies").GetArrayLength());
        Assert.False(data.GetProperty("checkpoint_enabled").GetBoolean());
        Assert.EndsWith("Z", data.GetProperty("created_at").GetString(), StringComparison.Ordinal);
        Assert.Equal(data.GetProperty("created_at").GetString(), data.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task Get_returns_what_create_returned_and_404_for_unknown_ids()
    {
        var created = await Api.CreateTaskAsync(new { name = "n", command = "true", tags = new[] { "a" }, priority = 8, scheduled_at = Later });
        var id = created.GetProperty("id").GetString();

        var (status, body) = await Api.GetJsonAsync($"tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(created.ToString(), body.GetProperty("data").ToString());

        (await Api.GetJsonAsync("tasks/task-doesnotexist")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.GetJsonAsync("tasks/bad%27id%20or%201")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Put_changes_only_the_fields_given()
    {
        var created = await Api.CreateTaskAsync(new { name = "before", description = "keep me", command = "true", priority = 2, tags = new[] { "x" }, scheduled_at = Later });
        var id = created.GetProperty("id").GetString();

        var (status, body) = await Api.SendAsync(HttpMethod.Put, $"tasks/{id}", new { name = "after", priority = 9 });

        Assert.Equal(HttpStatusCode.OK, status);
        var data = body.GetProperty("data");
        Assert.Equal("after", data.GetProperty("name").GetString());
        Assert.Equal(9, data.GetProperty("priority").GetInt32());
        Assert.Equal("keep me", data.GetProperty("description").GetString());
        Assert.Equal("x", data.GetProperty("tags")[0].GetString());
        Assert.Equal("true", data.GetProperty("command").GetString());
        Assert.Equal(created.GetProperty("created_at").GetString(), data.GetProperty("created_at").GetString());
        Assert.True(DateTimeOffset.Parse(data.GetProperty("updated_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            >= DateTimeOffset.Parse(created.GetProperty("updated_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(data.ToString(), (await Api.GetJsonAsync($"tasks/{id}")).Body.GetProperty("data").ToString());
    }

    [Fact]
    public async Task Put_of_command_or_bad_values_is_422_and_changes_nothing()
    {
        var created = await Api.CreateTaskAsync(new { name = "n", command = "true", scheduled_at = Later });
        var id = created.GetProperty("id").GetString();

        var error = (await Api.SendAsync(HttpMethod.Put, $"tasks/{id}", new { command = "rm -rf /", priority = 0 }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.True(error.GetProperty("details").TryGetProperty("command", out _));
        Assert.True(error.GetProperty("details").TryGetProperty("priority", out _));
        Assert.Equal(created.ToString(), (await Api.GetJsonAsync($"tasks/{id}")).Body.GetProperty("data").ToString());

        (await Api.SendAsync(HttpMethod.Put, "tasks/task-nope", new { name = "x" })).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Delete_then_get_is_404()
    {
        var id = (await Api.CreateTaskAsync(new { name = "n", command = "true", scheduled_at = Later })).GetProperty("id").GetString();

        var (status, body) = await Api.SendAsync(HttpMethod.Delete, $"tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("data").GetProperty("success").GetBoolean());
        Assert.Equal("Task deleted successfully", body.GetProperty("data").GetProperty("message").GetString());

        (await Api.GetJsonAsync($"tasks/{id}")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.SendAsync(HttpMethod.Delete, $"tasks/{id}")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("{\"name\": \"n\", ")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    public async Task A_body_that_is_not_a_json_object_is_400_invalid_json(string raw) =>
        (await Api.PostJsonAsync("tasks", raw)).AssertError(HttpStatusCode.BadRequest, "invalid_json");

    [Fact]
    public async Task Invalid_fields_are_422_with_details_per_field()
    {
        var error = (await Api.PostJsonAsync("tasks", new { name = "", priority = 11, max_retries = -1, tags = "x" }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        var details = error.GetProperty("details");
        Assert.Equal(["command", "max_retries", "name", "priority", "tags"], details.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Unknown_dependencies_and_cycles_are_rejected()
    {
        var unknown = (await Api.PostJsonAsync("tasks", new { name = "n", command = "true", dependencies = new[] { "task-ghost" } }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Contains("task-ghost", unknown.GetProperty("details").GetProperty("dependencies").GetString(), StringComparison.Ordinal);

        var a = (await Api.CreateTaskAsync(new { name = "a", command = "true", scheduled_at = Later })).GetProperty("id").GetString();
        var b = (await Api.CreateTaskAsync(new { name = "b", command = "true", scheduled_at = Later, dependencies = new[] { a } })).GetProperty("id").GetString();
        var c = (await Api.CreateTaskAsync(new { name = "c", command = "true", scheduled_at = Later, dependencies = new[] { b } })).GetProperty("id").GetString();

        var cycle = (await Api.SendAsync(HttpMethod.Put, $"tasks/{a}", new { dependencies = new[] { c } }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Contains("cycle", cycle.GetProperty("details").GetProperty("dependencies").GetString(), StringComparison.Ordinal);
        (await Api.SendAsync(HttpMethod.Put, $"tasks/{a}", new { dependencies = new[] { a } }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(0, (await Api.GetJsonAsync($"tasks/{a}")).Body.GetProperty("data").GetProperty("dependencies").GetArrayLength());
    }

    [Fact]
    public async Task Deleting_a_task_that_a_pending_task_depends_on_is_409()
    {
        var a = (await Api.CreateTaskAsync(new { name = "a", command = "true", scheduled_at = Later })).GetProperty("id").GetString();
        var b = (await Api.CreateTaskAsync(new { name = "b", command = "true", scheduled_at = Later, dependencies = new[] { a } })).GetProperty("id").GetString();

        (await Api.SendAsync(HttpMethod.Delete, $"tasks/{a}")).AssertError(HttpStatusCode.Conflict, "conflict");

        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Delete, $"tasks/{b}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Delete, $"tasks/{a}")).Status);
    }

    [Fact]
    public async Task List_filters_sorts_pages_and_counts()
    {
        var tag = UniqueTag();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var data = await Api.CreateTaskAsync(new { name = $"job-{i}", command = "true", priority = i + 1, tags = new[] { tag }, scheduled_at = Later });
            ids.Add(data.GetProperty("id").GetString()!);
        }

        var (status, page1) = await Api.GetJsonAsync($"tasks?tag={tag}&limit=3");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ids.AsEnumerable().Reverse().Take(3), page1.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        var meta = page1.GetProperty("meta");
        Assert.Equal(1, meta.GetProperty("page").GetInt32());
        Assert.Equal(3, meta.GetProperty("limit").GetInt32());
        Assert.Equal(7, meta.GetProperty("total").GetInt32());
        Assert.Equal(3, meta.GetProperty("pages").GetInt32());

        var page3 = (await Api.GetJsonAsync($"tasks?tag={tag}&limit=3&page=3")).Body;
        Assert.Equal([ids[0]], page3.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(0, (await Api.GetJsonAsync($"tasks?tag={tag}&limit=3&page=4")).Body.GetProperty("data").GetArrayLength());

        var byPriority = (await Api.GetJsonAsync($"tasks?tag={tag}&sort=priority&order=asc&status=pending")).Body;
        Assert.Equal(Enumerable.Range(1, 7), byPriority.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("priority").GetInt32()));

        var byName = (await Api.GetJsonAsync($"tasks?tag={tag}&sort=name&order=desc&limit=2")).Body;
        Assert.Equal(["job-6", "job-5"], byName.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString()));

        var none = (await Api.GetJsonAsync($"tasks?tag={tag}&status=completed")).Body;
        Assert.Equal(0, none.GetProperty("meta").GetProperty("total").GetInt32());
        Assert.Equal(0, none.GetProperty("meta").GetProperty("pages").GetInt32());
    }

    [Theory]
    [InlineData("tasks?limit=0", "limit")]
    [InlineData("tasks?limit=101", "limit")]
    [InlineData("tasks?limit=ten", "limit")]
    [InlineData("tasks?page=0", "page")]
    [InlineData("tasks?sort=command", "sort")]
    [InlineData("tasks?order=up", "order")]
    [InlineData("tasks?status=done", "status")]
    [InlineData("tasks?tag=a%27%20or%20%271%27%20eq%20%271", "tag")]
    [InlineData("tasks?colour=red", "colour")]
    [InlineData("tasks?limit=5&limit=6", "limit")]
    public async Task Bad_query_values_are_400_invalid_parameter(string path, string parameter)
    {
        var error = (await Api.GetJsonAsync(path)).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");
        Assert.True(error.GetProperty("details").TryGetProperty(parameter, out _), error.ToString());
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_in_the_envelope()
    {
        (await Api.GetJsonAsync("nothing-here")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await Api.SendAsync(HttpMethod.Patch, "tasks")).AssertError(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }
}
