using System.Text.Json;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Workers;
using Xunit;

namespace TaskScheduler.Core.Tests;

/// <summary>
/// The agent protocol's records as both sides use them: what the agent writes is exactly the wire names of the
/// README's protocol table and the server's parsers accept it; what the server refuses, it refuses with a 422 naming
/// the field.
/// </summary>
public class AgentRequestsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    /// <summary>The record as the agent sends it, as the server reads it.</summary>
    private static JsonElement Sent<T>(T record) => JsonSerializer.SerializeToElement(record, AgentJson.Options);

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static IReadOnlyDictionary<string, string> Refused(Action parse, int status = 422)
    {
        var ex = Assert.Throws<ApiException>(parse);
        Assert.Equal(status, ex.Status);
        return ex.Details ?? new Dictionary<string, string>();
    }

    [Fact]
    public void A_registration_is_written_with_the_wire_names_and_read_back_by_the_server()
    {
        var sent = Sent(new WorkerRegistration("w-1", "host", "1.2.3", ["gpu", "linux"], 4));
        Assert.Equal(["concurrency", "hostname", "id", "tags", "version"], Names(sent));
        Assert.Equal(new WorkerRegistration("w-1", "host", "1.2.3", ["gpu", "linux"], 4) with { Tags = null }, AgentRequests.ParseRegistration(sent) with { Tags = null });
        Assert.Equal(["gpu", "linux"], AgentRequests.ParseRegistration(sent).Tags);
    }

    [Fact]
    public void A_heartbeat_is_written_with_the_wire_names_and_read_back_by_the_server()
    {
        var sent = Sent(new HeartbeatRequest([new RunningAttempt("task-1", 2)], new WorkerResources(0.25, 0.5, 0.75)));
        Assert.Equal(["current_tasks", "resources"], Names(sent));
        Assert.Equal(["attempt", "task_id"], Names(sent.GetProperty("current_tasks")[0]));
        Assert.Equal(["cpu_usage", "disk_usage", "memory_usage"], Names(sent.GetProperty("resources")));

        var (running, resources) = AgentRequests.ParseHeartbeat(sent);
        Assert.Equal([new RunningAttempt("task-1", 2)], running);
        Assert.Equal(new WorkerResources(0.25, 0.5, 0.75), resources);
    }

    [Fact]
    public void Attempt_reports_are_written_with_the_wire_names_and_read_back_by_the_server()
    {
        var claim = Sent(new ClaimRequest("w-1", 3));
        Assert.Equal(["attempt", "worker_id"], Names(claim));
        Assert.Equal(new ClaimRequest("w-1", 3), AgentRequests.ParseClaim(claim));

        var complete = Sent(new CompleteRequest("w-1", 3, "done", 0));
        Assert.Equal(["attempt", "exit_code", "result", "worker_id"], Names(complete));
        var (workerId, attempt, outcome) = AgentRequests.ParseComplete(complete);
        Assert.Equal(("w-1", 3, true, "done", 0), (workerId, attempt, outcome.Succeeded, outcome.Result, outcome.ExitCode));

        var fail = Sent(new FailRequest("w-1", 3, "boom", "partial", 2));
        Assert.Equal(["attempt", "error", "exit_code", "result", "worker_id"], Names(fail));
        (workerId, attempt, outcome) = AgentRequests.ParseFail(fail);
        Assert.Equal(("w-1", 3, false, "boom", "partial", 2), (workerId, attempt, outcome.Succeeded, outcome.Error, outcome.Result, outcome.ExitCode));
    }

    [Fact]
    public void Logs_and_checkpoints_are_written_with_the_wire_names_and_read_back_by_the_server()
    {
        var at = new DateTimeOffset(2026, 11, 25, 11, 59, 0, 123, TimeSpan.Zero);
        var logs = Sent(new LogBatch("w-1", 1, [new LogLine(LogLevels.Error, "oops", at)]));
        Assert.Equal(["attempt", "lines", "worker_id"], Names(logs));
        Assert.Equal(["level", "message", "timestamp"], Names(logs.GetProperty("lines")[0]));
        var (workerId, attempt, lines) = AgentRequests.ParseLogs(logs, Now);
        Assert.Equal(("w-1", 1), (workerId, attempt));
        Assert.Equal(new Logs.LogEntry(at, "error", "oops", 1), Assert.Single(lines));

        var checkpoint = Sent(new CheckpointRequest(Json("""{"step": 3}"""), "w-1", 1));
        Assert.Equal(["attempt", "checkpoint_data", "worker_id"], Names(checkpoint));
        var read = AgentRequests.ParseCheckpoint(checkpoint);
        Assert.Equal(("w-1", 1, """{"step":3}"""), (read.WorkerId, read.Attempt, read.CheckpointData!.Value.GetRawText()));
    }

    [Fact]
    public void The_dispatch_message_keeps_its_wire_form_and_a_newer_member_does_not_make_it_poison()
    {
        Assert.Equal("""{"task_id":"task-1","attempt":2}""", new DispatchMessage("task-1", 2).ToJson());
        Assert.Equal("""{"task_id":"task-1","attempt":2,"traceparent":"00-x"}""", new DispatchMessage("task-1", 2, "00-x").ToJson());
        Assert.Equal(new DispatchMessage("task-1", 2), DispatchMessage.TryParse("""{"task_id":"task-1","attempt":2,"added_later":true}"""));
        Assert.Null(DispatchMessage.TryParse("""{"attempt":2}"""));
        Assert.Null(DispatchMessage.TryParse("""{"task_id":"task-1","attempt":"2"}"""));
    }

    [Theory]
    [InlineData("""{"worker_id": "w-1", "attempt": 1, "workerid": "w-1"}""", "workerid")]
    [InlineData("""{"worker_id": "w-1", "attempt": 1, "Attempt": 1}""", "Attempt")]
    public void An_unknown_member_of_a_claim_is_a_422_naming_it(string body, string field)
    {
        var details = Refused(() => AgentRequests.ParseClaim(Json(body)));
        Assert.Equal("is not a known field", details[field]);
    }

    [Fact]
    public void Unknown_members_are_refused_at_every_depth_and_on_every_route()
    {
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseComplete(Json("""{"worker_id": "w-1", "attempt": 1, "error": "x"}""")))["error"]);
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseFail(Json("""{"worker_id": "w-1", "attempt": 1, "stderr": "x"}""")))["stderr"]);
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseHeartbeat(Json("""{"resources": {"gpu_usage": 0.5}}""")))["resources.gpu_usage"]);
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseHeartbeat(Json("""{"current_tasks": [{"task_id": "task-1", "attempt": 1, "pid": 7}]}""")))["current_tasks[0].pid"]);
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseLogs(Json("""{"worker_id": "w-1", "attempt": 1, "lines": [{"level": "info", "message": "m", "colour": "red"}]}"""), Now))["lines[0].colour"]);
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseRegistration(Json("""{"hostname": "h", "slots": 4}""")))["slots"]);
        Assert.Equal("is not a known field", Refused(() => AgentRequests.ParseCheckpoint(Json("""{"checkpoint_data": {}, "step": 1}""")))["step"]);
    }

    [Fact]
    public void Wrong_types_missing_members_and_repeats_are_422s_naming_each_field()
    {
        var details = Refused(() => AgentRequests.ParseClaim(Json("""{"attempt": "1"}""")));
        Assert.Equal("is required: a positive integer", details["attempt"]);
        Assert.Equal("is required: the id the worker registered with", details["worker_id"]);

        Assert.True(Refused(() => AgentRequests.ParseClaim(Json("""{"worker_id": "w-1", "attempt": 1.5}"""))).ContainsKey("attempt"));
        Assert.True(Refused(() => AgentRequests.ParseClaim(Json("""{"worker_id": null, "attempt": 1}"""))).ContainsKey("worker_id"));
        Assert.Equal("is given more than once", Refused(() => AgentRequests.ParseClaim(Json("""{"worker_id": "w-1", "attempt": 1, "attempt": 2}""")))["attempt"]);
        Assert.Equal("must be a number between 0 and 1", Refused(() => AgentRequests.ParseHeartbeat(Json("""{"resources": {"cpu_usage": "high"}}""")))["resources.cpu_usage"]);
        Assert.Equal("must be a number between 0 and 1", Refused(() => AgentRequests.ParseHeartbeat(Json("""{"resources": {"cpu_usage": 7}}""")))["resources.cpu_usage"]);
        Assert.True(Refused(() => AgentRequests.ParseHeartbeat(Json("""{"current_tasks": [{"task_id": "task-1", "attempt": "1"}]}"""))).ContainsKey("current_tasks[0].attempt"));
        Assert.Equal("must be an integer between 1 and 1024", Refused(() => AgentRequests.ParseRegistration(Json("""{"concurrency": "4"}""")))["concurrency"]);
        Assert.True(Refused(() => AgentRequests.ParseLogs(Json("""{"worker_id": "w-1", "attempt": 1}"""), Now)).ContainsKey("lines"));
        Assert.Equal("is required: a JSON object", Refused(() => AgentRequests.ParseCheckpoint(Json("""{"worker_id": "w-1"}""")))["checkpoint_data"]);
        Assert.True(Refused(() => AgentRequests.ParseCheckpoint(Json("""{"checkpoint_data": {}, "attempt": "one"}"""))).ContainsKey("attempt"));
    }

    [Fact]
    public void Values_are_still_checked_on_the_record()
    {
        Assert.True(Refused(() => AgentRequests.ParseClaim(Json("""{"worker_id": "w' or '1' eq '1", "attempt": 1}"""))).ContainsKey("worker_id"));
        Assert.True(Refused(() => AgentRequests.ParseClaim(Json("""{"worker_id": "w-1", "attempt": 0}"""))).ContainsKey("attempt"));
        Assert.True(Refused(() => AgentRequests.ParseRegistration(Json("""{"id": "w/../x"}"""))).ContainsKey("id"));
        Assert.True(Refused(() => AgentRequests.ParseLogs(Json("""{"worker_id": "w-1", "attempt": 1, "lines": [{"level": "loud", "message": "m"}]}"""), Now)).ContainsKey("lines"));
        Refused(() => AgentRequests.ParseClaim(Json("""[1]""")), 400);
    }

    [Fact]
    public void Optional_members_keep_their_defaults()
    {
        Assert.Equal(new WorkerRegistration(), AgentRequests.ParseRegistration(Json("{}")));
        var (running, resources) = AgentRequests.ParseHeartbeat(Json("""{"current_tasks": null}"""));
        Assert.Empty(running);
        Assert.Equal(new WorkerResources(0, 0, 0), resources);
        var (_, _, lines) = AgentRequests.ParseLogs(Json("""{"worker_id": "w-1", "attempt": 1, "lines": [{"level": "info", "message": "m"}]}"""), Now);
        Assert.Equal(Now, Assert.Single(lines).Timestamp);
        var (_, _, outcome) = AgentRequests.ParseFail(Json("""{"worker_id": "w-1", "attempt": 1, "exit_code": 3}"""));
        Assert.Equal("Exited with code 3.", outcome.Error);
    }
}
