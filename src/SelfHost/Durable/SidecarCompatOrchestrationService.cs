using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Grpc.Core;

namespace TaskScheduler.SelfHost.Durable;

/// <summary>
/// A decorator around the Azure Storage engine for use behind the preview <c>TaskHubGrpcServer</c> sidecar, fixing
/// the incompatibility the feasibility spike found that our orchestrations meet: the sidecar copies protobuf
/// <c>MapField</c> tags into <see cref="ExecutionStartedEvent.Tags"/>; the Azure Storage provider serializes messages
/// with type names and cannot read that type back (a poison message). Tags are copied into a plain dictionary before
/// they reach storage. (The spike also found that the sidecar records a sub-orchestration start as its own subclass of
/// <see cref="SubOrchestrationInstanceCreatedEvent"/>, which the provider cannot load again; no orchestration of ours
/// starts a sub-orchestration, so nothing here rewrites it: one that does must bring that fix back.)
/// Everything else is passed through unchanged, except the check before raising an event.
/// </summary>
public sealed class SidecarCompatOrchestrationService(IOrchestrationService inner)
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient
{
    private readonly IOrchestrationServiceClient _client = (IOrchestrationServiceClient)inner;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    public Task StartAsync() => inner.StartAsync();

    public Task StopAsync() => inner.StopAsync();

    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(
            workItem,
            newOrchestrationRuntimeState,
            outboundMessages,
            FixTags(orchestratorMessages),
            timerMessages,
            continuedAsNewMessage is null ? null! : FixTags(continuedAsNewMessage),
            orchestrationState);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => _client.CreateTaskOrchestrationAsync(FixTags(creationMessage));

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses) =>
        _client.CreateTaskOrchestrationAsync(FixTags(creationMessage), dedupeStatuses);

    /// <summary>
    /// Raising an event checks the instance first, as the Functions host does for the Azure Storage backend
    /// (<c>throwStatusExceptionsOnRaiseEvent</c>, host.json): a missing instance is <c>NotFound</c>, a finished one
    /// <c>FailedPrecondition</c>, so code that SelfHost runs meets the refusals it will meet in Azure.
    /// </summary>
    public async Task SendTaskOrchestrationMessageAsync(TaskMessage message)
    {
        if (message.Event is EventRaisedEvent raised)
        {
            var state = (await _client.GetOrchestrationStateAsync(message.OrchestrationInstance.InstanceId, allExecutions: false)).FirstOrDefault();
            if (state is null)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"No orchestration instance {message.OrchestrationInstance.InstanceId} to raise {raised.Name} to."));
            }

            if (state.OrchestrationStatus is not (OrchestrationStatus.Running or OrchestrationStatus.Pending or OrchestrationStatus.ContinuedAsNew))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "The orchestration instance with the provided instance id is not running."));
            }
        }

        await _client.SendTaskOrchestrationMessageAsync(FixTags(message));
    }

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) =>
        _client.SendTaskOrchestrationMessageBatchAsync(messages.Select(FixTags).ToArray());

    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        _client.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => _client.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) =>
        _client.GetOrchestrationStateAsync(instanceId, allExecutions);

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) =>
        _client.GetOrchestrationStateAsync(instanceId, executionId);

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => _client.GetOrchestrationHistoryAsync(instanceId, executionId);

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        _client.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken) =>
        ((IOrchestrationServiceQueryClient)inner).GetOrchestrationWithQueryAsync(query, cancellationToken);

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) => ((IOrchestrationServicePurgeClient)inner).PurgeInstanceStateAsync(instanceId);

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) =>
        ((IOrchestrationServicePurgeClient)inner).PurgeInstanceStateAsync(purgeInstanceFilter);

    private static TaskMessage FixTags(TaskMessage message)
    {
        if (message?.Event is ExecutionStartedEvent started && started.Tags is not null and not Dictionary<string, string>)
        {
            started.Tags = new Dictionary<string, string>(started.Tags);
        }

        return message!;
    }

    private static IList<TaskMessage> FixTags(IList<TaskMessage> messages)
    {
        foreach (var message in messages)
        {
            FixTags(message);
        }

        return messages;
    }
}
