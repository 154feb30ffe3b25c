using System.Net;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>The agent routes over real HTTP: a body the protocol's records do not describe is refused and changes nothing.</summary>
public class AgentProtocolTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    private HttpClient Api => fixture.Client;

    [Fact]
    public async Task A_claim_with_an_unknown_member_is_a_422_naming_it_and_the_task_stays_pending()
    {
        var id = (await Api.CreateTaskAsync(new { name = "unclaimed", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(30) })).GetProperty("id").GetString()!;

        var error = (await Api.PostJsonAsync($"tasks/{id}/claim", new { worker_id = "w-1", attempt = 1, lease_seconds = 60 }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal("is not a known field", error.GetProperty("details").GetProperty("lease_seconds").GetString());

        var (_, task) = await Api.GetJsonAsync($"tasks/{id}");
        Assert.Equal("pending", task.GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_heartbeat_with_an_unknown_nested_member_is_a_422_naming_its_path()
    {
        var error = (await Api.PostJsonAsync("workers/w-unknown-member/heartbeat", new { resources = new { cpu_usage = 0.5, gpu_usage = 0.5 } }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal("is not a known field", error.GetProperty("details").GetProperty("resources.gpu_usage").GetString());
    }

    [Fact]
    public async Task A_registration_with_an_unknown_member_registers_nothing()
    {
        var error = (await Api.PostJsonAsync("workers", new { id = "w-typo", hostname = "h", slots = 4 }))
            .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal("is not a known field", error.GetProperty("details").GetProperty("slots").GetString());
        (await Api.GetJsonAsync("workers/w-typo")).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Malformed_json_on_an_agent_route_is_still_a_400()
    {
        (await Api.PostJsonAsync("tasks/task-1/complete", "{\"worker_id\": ")).AssertError(HttpStatusCode.BadRequest, "invalid_json");
    }
}
