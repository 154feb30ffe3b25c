using System.Net;
using System.Net.Http.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Operations.Tests;

/// <summary>One trace follows a task from POST /tasks through the orchestration's dispatch to the agent's run.</summary>
public sealed class TelemetryTests
{
    /// <summary>The display names of the spans of one trace in console-exporter output.</summary>
    private static HashSet<string> SpansOfTrace(IEnumerable<string> output, string traceId)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? currentTrace = null;
        foreach (var line in output)
        {
            var text = line.Trim();
            if (text.StartsWith("Activity.TraceId:", StringComparison.Ordinal))
            {
                currentTrace = text["Activity.TraceId:".Length..].Trim();
            }
            else if (text.StartsWith("Activity.DisplayName:", StringComparison.Ordinal) && currentTrace == traceId)
            {
                names.Add(text["Activity.DisplayName:".Length..].Trim());
            }
        }

        return names;
    }

    [Fact]
    public async Task One_trace_follows_a_task_from_the_request_through_dispatch_to_the_agent()
    {
        var console = new Dictionary<string, string> { ["Telemetry__Exporter"] = "console", ["DurableTask__MaxQueuePollingIntervalMs"] = "200" };
        await using var host = await SelfHostProcess.StartAsync(console);
        var agentKey = await host.Client.CreateApiKeyAsync("traced agent", ["workers"], "internal");
        await using var agent = AgentProcess.Start(host.BaseAddress, host.Prefix, agentKey, settings: console);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        using var request = new HttpRequestMessage(HttpMethod.Post, "tasks") { Content = JsonContent.Create(new { name = "traced", command = "echo traced" }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16]}-01");
        using var created = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("data").GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => (await host.Client.GetJsonAsync($"tasks/{id}")).Body.GetProperty("data").GetProperty("status").GetString(), s => s == "completed", TimeSpan.FromSeconds(30), "the traced task to complete");

        var apiSpans = await Poll.UntilAsync(() => Task.FromResult(SpansOfTrace(host.Output, traceId)), s => s.Contains("dispatch attempt") && s.Count >= 4, TimeSpan.FromSeconds(20), "the API's spans of the trace");
        Assert.Contains("POST /api/tasks", apiSpans);

        // The agent's calls (claim, logs, complete) arrive as server spans of the same trace: "POST" requests.
        Assert.Contains("POST", apiSpans);
        var agentSpans = await Poll.UntilAsync(() => Task.FromResult(SpansOfTrace(agent.Output, traceId)), s => s.Contains("run attempt"), TimeSpan.FromSeconds(20), "the agent's spans of the trace");
        Assert.Contains("claim attempt", agentSpans);
    }
}
