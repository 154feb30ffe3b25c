using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>
/// Lifecycle v2 end to end on SelfHost (real engine on Azurite): edits reach the waiting orchestration, the raise
/// semantics of the Functions host, a lost raise repaired, and a version-1 instance finishing after the upgrade.
/// </summary>
public sealed class LifecycleTests(WorkflowFixture fixture) : IClassFixture<WorkflowFixture>, IAsyncDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    private readonly Lazy<(GrpcChannel Channel, DurableTaskClient Client)> _durable = new(() => Connect(fixture.Host.ProcessId!.Value));

    private HttpClient Api => fixture.Api;

    private DurableTaskClient Durable => _durable.Value.Client;

    private TaskRepository Repository { get; } = CreateRepository(fixture.Host.Prefix);

    public async ValueTask DisposeAsync()
    {
        if (_durable.IsValueCreated)
        {
            await _durable.Value.Client.DisposeAsync();
            _durable.Value.Channel.Dispose();
        }
    }

    private static string In(TimeSpan delay) => DateTimeOffset.UtcNow.Add(delay).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private async Task<FakeAgent> AgentAsync()
    {
        var agent = new FakeAgent(fixture.Host, "w-" + Guid.NewGuid().ToString("N")[..6]);
        await agent.RegisterAsync();
        return agent;
    }

    private async Task<OrchestrationMetadata> WaitForOrchestrationAsync(string id, OrchestrationRuntimeStatus status) =>
        await Poll.UntilAsync(
            async () => await Durable.GetInstanceAsync(id, getInputsAndOutputs: true),
            instance => instance?.RuntimeStatus == status,
            Settle,
            $"orchestration {id} {status}",
            TimeSpan.FromMilliseconds(250)) ?? throw new InvalidOperationException("unreachable");

    [Fact]
    public async Task SelfHost_refuses_a_raise_to_a_missing_or_finished_orchestration_as_the_Functions_host_does()
    {
        var agent = await AgentAsync();
        var id = await Api.CreateIdAsync(new { name = "done", command = "true" });
        var attempt = await agent.ClaimNextAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt, "ok")).Status);
        var finished = await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Completed);
        Assert.Equal(TaskState.Completed, finished.ReadOutputAs<TaskState>());

        var missing = await Assert.ThrowsAsync<RpcException>(() => Durable.RaiseEventAsync("task-nosuchinstance", WorkflowNames.ChangedEvent, new TaskChange(TaskState.Cancelled, 1, false)));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var done = await Assert.ThrowsAsync<RpcException>(() => Durable.RaiseEventAsync(id, WorkflowNames.ChangedEvent, new TaskChange(TaskState.Cancelled, 1, false)));
        Assert.Equal(StatusCode.FailedPrecondition, done.StatusCode);

        // The calls that raise to that orchestration answer as documented, never 500.
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt, "ok")).Status);
        (await Api.PostJsonAsync($"tasks/{id}/cancel", null)).AssertError(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task A_new_scheduled_at_reaches_the_waiting_orchestration()
    {
        var agent = await AgentAsync();
        var id = await Api.CreateIdAsync(new { name = "moved", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Put, $"tasks/{id}", new { scheduled_at = In(TimeSpan.FromSeconds(1)) })).Status);

        var attempt = await agent.ReceiveAsync(id, Settle);
        Assert.Equal(1, attempt);
    }

    [Fact]
    public async Task Removing_the_only_unfinished_dependency_lets_the_task_run()
    {
        var agent = await AgentAsync();
        var blocker = await Api.CreateIdAsync(new { name = "blocker", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        var id = await Api.CreateIdAsync(new { name = "waits", command = "true", dependencies = new[] { blocker } });
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Put, $"tasks/{id}", new { dependencies = Array.Empty<string>() })).Status);

        var attempt = await agent.ClaimNextAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt)).Status);
        await Api.WaitForStatusAsync(id, "completed");
        Assert.Equal("pending", (await Api.GetTaskAsync(blocker)).Status());
    }

    [Fact]
    public async Task New_timeout_priority_and_retry_budget_apply_to_the_next_dispatch()
    {
        var agent = await AgentAsync();
        var id = await Api.CreateIdAsync(new { name = "edited", command = "true", scheduled_at = In(TimeSpan.FromHours(1)), max_retries = 3 });
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Put, $"tasks/{id}", new { timeout_seconds = 77, priority = 9, max_retries = 0, scheduled_at = In(TimeSpan.FromSeconds(1)) })).Status);

        var attempt = await agent.ReceiveAsync(id, Settle);
        var claim = await agent.ClaimAsync(id, attempt);
        Assert.Equal(HttpStatusCode.OK, claim.Status);
        Assert.Equal(77, claim.Body.GetProperty("data").GetProperty("timeout_seconds").GetInt32());
        var (_, logs) = await Api.GetJsonAsync($"tasks/{id}/logs?limit=1000");
        Assert.Contains(logs.GetProperty("data").EnumerateArray(), line => line.GetProperty("message").GetString()!.Contains("tasks-high", StringComparison.Ordinal));

        // No retries left after the edit: one failure fails the task.
        Assert.Equal(HttpStatusCode.OK, (await agent.FailAsync(id, attempt)).Status);
        await Api.WaitForStatusAsync(id, "failed");
    }

    [Fact]
    public async Task A_dependent_of_a_cancelled_task_fails_naming_it()
    {
        var dependency = await Api.CreateIdAsync(new { name = "dep", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        var id = await Api.CreateIdAsync(new { name = "dependent", command = "true", dependencies = new[] { dependency } });
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostJsonAsync($"tasks/{dependency}/cancel", null)).Status);

        var failed = await Api.WaitForStatusAsync(id, "failed");
        Assert.Contains(dependency, failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_dependent_does_not_strand_the_other_dependents()
    {
        var agent = await AgentAsync();
        var parent = await Api.CreateIdAsync(new { name = "parent", command = "true" });
        var cancelled = await Api.CreateIdAsync(new { name = "cancelled child", command = "true", dependencies = new[] { parent } });
        var waiting = await Api.CreateIdAsync(new { name = "other child", command = "true", dependencies = new[] { parent } });
        Assert.Equal(HttpStatusCode.OK, (await Api.PostJsonAsync($"tasks/{cancelled}/cancel", null)).Status);
        await WaitForOrchestrationAsync(cancelled, OrchestrationRuntimeStatus.Completed);

        // Telling the finished orchestration is refused (FailedPrecondition) and expected; the other child still hears.
        var attempt = await agent.ClaimNextAsync(parent);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(parent, attempt)).Status);
        var next = await agent.ClaimNextAsync(waiting);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(waiting, next)).Status);
        await WaitForOrchestrationAsync(parent, OrchestrationRuntimeStatus.Completed);
        Assert.Equal("cancelled", (await Api.GetTaskAsync(cancelled)).Status());
    }

    [Fact]
    public async Task An_end_committed_without_its_raise_is_repaired_and_the_dependent_runs()
    {
        var agent = await AgentAsync();
        var id = await Api.CreateIdAsync(new { name = "crashed", command = "true" });
        var dependent = await Api.CreateIdAsync(new { name = "after", command = "true", dependencies = new[] { id } });
        await agent.ClaimNextAsync(id);

        // What a handler that crashed between committing the end and raising it leaves behind.
        await Repository.UpdateAsync(id, task => task with { Status = TaskState.Completed, Result = "ok", CompletedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await Durable.GetInstanceAsync(id))!.RuntimeStatus);

        var next = await agent.ClaimNextAsync(dependent);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(dependent, next)).Status);
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Completed);
    }

    [Fact]
    public async Task An_edit_committed_without_its_replan_is_repaired_by_the_reconciler()
    {
        var agent = await AgentAsync();
        var never = await Api.CreateIdAsync(new { name = "never", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        var id = await Api.CreateIdAsync(new { name = "waits", command = "true", dependencies = new[] { never } });
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Running);

        // What a PUT that crashed between committing the new dependency set and raising Replan leaves behind.
        await Repository.UpdateAsync(id, task => task with { Dependencies = [], UpdatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);

        var attempt = await agent.ClaimNextAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt)).Status);
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Completed);
    }

    [Fact]
    public async Task A_version_1_instance_in_flight_at_the_upgrade_runs_to_its_end()
    {
        var agent = await AgentAsync();
        var id = await Api.CreateIdAsync(new { name = "v1", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Running);

        // Make it a task from before the upgrade: its row without the version (read as 1), driven by version 1.
        await Durable.TerminateInstanceAsync(id, "test: replaced by version 1");
        await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Terminated);
        var rows = new TableServiceClient(TestStorage.ConnectionString).GetTableClient(fixture.Host.Prefix + TableNames.Tasks);
        var row = (await rows.GetEntityAsync<TableEntity>(id, id)).Value;
        row.Remove(nameof(TaskEntity.WorkflowVersion));
        row[nameof(TaskEntity.ScheduledAt)] = null;
        await rows.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        await Durable.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.TaskOrchestrationV1, new { TaskId = id }, new Microsoft.DurableTask.StartOrchestrationOptions(InstanceId: id));

        var attempt = await agent.ClaimNextAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt)).Status);
        var finished = await WaitForOrchestrationAsync(id, OrchestrationRuntimeStatus.Completed);
        Assert.Equal("completed", finished.ReadOutputAs<string>());
        Assert.Equal("completed", (await Api.GetTaskAsync(id)).Status());
    }

    private static TaskRepository CreateRepository(string prefix)
    {
        var storage = new SchedulerStorage(
            new TableServiceClient(TestStorage.ConnectionString),
            new Azure.Storage.Queues.QueueServiceClient(TestStorage.ConnectionString),
            Options.Create(new StorageOptions { StoragePrefix = prefix }));
        return new TaskRepository(storage, new TaskIndex(storage, NullLogger<TaskIndex>.Instance));
    }

    /// <summary>A Durable client of SelfHost's own sidecar (a Unix socket named after its process id).</summary>
    private static (GrpcChannel Channel, DurableTaskClient Client) Connect(int processId)
    {
        var socketPath = Path.Combine(Path.GetTempPath(), $"taskscheduler-durable-{processId}.sock");
        var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            },
        });
        var client = new GrpcDurableTaskClient("tests", new GrpcDurableTaskClientOptions { Channel = channel }, NullLogger<GrpcDurableTaskClient>.Instance);
        return (channel, client);
    }
}
