using System.Text.Json;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Tasks;
using Xunit;

namespace TaskScheduler.Core.Tests;

public class TaskRequestParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void ParseCreate_applies_the_spec_defaults()
    {
        var request = TaskRequestParser.ParseCreate(Json("""{"name":"n","command":"echo hi"}"""), Now);
        Assert.Equal(5, request.Priority);
        Assert.Equal(3, request.MaxRetries);
        Assert.Equal(3600, request.TimeoutSeconds);
        Assert.Null(request.ScheduledAt);
        Assert.Empty(request.Tags);
        Assert.Empty(request.Dependencies);
        Assert.False(request.CheckpointEnabled);
    }

    [Fact]
    public void ParseCreate_reads_every_field()
    {
        var request = TaskRequestParser.ParseCreate(Json("""
            {"name":"n","description":"d","command":"c","priority":9,"max_retries":0,"scheduled_at":"2026-11-26T10:00:00+02:00",
             "timeout_seconds":5,"tags":["a","b","a"],"dependencies":["task-1"],"checkpoint_enabled":true}
            """), Now);
        Assert.Equal(9, request.Priority);
        Assert.Equal(0, request.MaxRetries);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero), request.ScheduledAt);
        Assert.Equal(TimeSpan.Zero, request.ScheduledAt!.Value.Offset);
        Assert.Equal(["a", "b"], request.Tags);
        Assert.Equal(["task-1"], request.Dependencies);
        Assert.True(request.CheckpointEnabled);
    }

    [Theory]
    [InlineData("""{"command":"c"}""", "name", "is required")]
    [InlineData("""{"name":"n"}""", "command", "is required")]
    [InlineData("""{"name":"","command":"c"}""", "name", "must not be empty")]
    [InlineData("""{"name":5,"command":"c"}""", "name", "must be a string")]
    [InlineData("""{"name":"n","command":"c","priority":0}""", "priority", "must be between 1 and 10")]
    [InlineData("""{"name":"n","command":"c","priority":11}""", "priority", "must be between 1 and 10")]
    [InlineData("""{"name":"n","command":"c","priority":"5"}""", "priority", "must be an integer between 1 and 10")]
    [InlineData("""{"name":"n","command":"c","priority":5.5}""", "priority", "must be an integer between 1 and 10")]
    [InlineData("""{"name":"n","command":"c","max_retries":21}""", "max_retries", "must be between 0 and 20")]
    [InlineData("""{"name":"n","command":"c","timeout_seconds":0}""", "timeout_seconds", "must be between 1 and 604800")]
    [InlineData("""{"name":"n","command":"c","scheduled_at":"tomorrow"}""", "scheduled_at", "must be an ISO 8601 date-time, e.g. 2030-01-01T12:00:00Z")]
    [InlineData("""{"name":"n","command":"c","scheduled_at":"2030-01-01T00:00:00Z"}""", "scheduled_at", "must be at most 366 days in the future")]
    [InlineData("""{"name":"n","command":"c","tags":"a"}""", "tags", "must be an array of strings")]
    [InlineData("""{"name":"n","command":"c","tags":[1]}""", "tags", "must be an array of strings")]
    [InlineData("""{"name":"n","command":"c","dependencies":["bad id"]}""", "dependencies", "each dependency must be a task id")]
    [InlineData("""{"name":"n","command":"c","checkpoint_enabled":"yes"}""", "checkpoint_enabled", "must be a boolean")]
    [InlineData("""{"name":"n","command":"c","max_retry":2}""", "max_retry", "is not a known field")]
    public void ParseCreate_rejects_a_bad_field_with_its_reason(string body, string field, string reason)
    {
        var ex = Assert.Throws<ApiException>(() => TaskRequestParser.ParseCreate(Json(body), Now));
        Assert.Equal(422, ex.Status);
        Assert.Equal(ErrorCodes.ValidationFailed, ex.Code);
        Assert.Equal(reason, ex.Details![field]);
    }

    [Fact]
    public void ParseCreate_reports_every_bad_field_at_once()
    {
        var ex = Assert.Throws<ApiException>(() => TaskRequestParser.ParseCreate(Json("""{"priority":99,"tags":["no spaces"]}"""), Now));
        Assert.Equal(["command", "name", "priority", "tags"], ex.Details!.Keys.Order());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void ParseCreate_refuses_a_body_that_is_not_an_object(string body)
    {
        var ex = Assert.Throws<ApiException>(() => TaskRequestParser.ParseCreate(Json(body), Now));
        Assert.Equal(ErrorCodes.InvalidJson, ex.Code);
    }

    [Fact]
    public void ParseUpdate_keeps_absent_fields_absent_and_refuses_command()
    {
        var update = TaskRequestParser.ParseUpdate(Json("""{"name":"x","description":null}"""), Now);
        Assert.Equal("x", update.Name.Value);
        Assert.True(update.Description.HasValue);
        Assert.Null(update.Description.Value);
        Assert.False(update.Priority.HasValue);
        Assert.False(update.ChangesScheduling);

        var ex = Assert.Throws<ApiException>(() => TaskRequestParser.ParseUpdate(Json("""{"command":"rm -rf /"}"""), Now));
        Assert.Contains("command", ex.Details!.Keys);
    }
}
