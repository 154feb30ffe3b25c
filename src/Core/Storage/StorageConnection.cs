using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// Reads a storage connection the way the Functions host does: either a connection string under the name,
/// or a section with <c>tableServiceUri</c>/<c>queueServiceUri</c> and a managed identity
/// (<c>credential=managedidentity</c>, optional <c>clientId</c>). Locally: <c>UseDevelopmentStorage=true</c> (Azurite).
/// </summary>
public sealed class StorageConnection
{
    /// <summary>The setting the API's tables and queues are read from.</summary>
    public const string SettingName = "SchedulerStorage";

    /// <summary>Fallback: the Functions host's own storage, so a one-account local setup needs one setting.</summary>
    public const string FallbackSettingName = "AzureWebJobsStorage";

    private readonly string? _connectionString;
    private readonly Uri? _tableUri;
    private readonly Uri? _queueUri;
    private readonly TokenCredential? _credential;

    private StorageConnection(string? connectionString, Uri? tableUri, Uri? queueUri, TokenCredential? credential)
    {
        _connectionString = connectionString;
        _tableUri = tableUri;
        _queueUri = queueUri;
        _credential = credential;
    }

    public static StorageConnection FromConfiguration(IConfiguration configuration, string name = SettingName)
    {
        foreach (var candidate in new[] { name, FallbackSettingName })
        {
            var connectionString = configuration[candidate];
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                return new StorageConnection(connectionString, null, null, null);
            }

            var section = configuration.GetSection(candidate);
            var tableUri = section["tableServiceUri"];
            var queueUri = section["queueServiceUri"];
            if (!string.IsNullOrWhiteSpace(tableUri) || !string.IsNullOrWhiteSpace(queueUri))
            {
                var clientId = section["clientId"];
                TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
                    ? new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
                    : new DefaultAzureCredential();
                return new StorageConnection(
                    null,
                    string.IsNullOrWhiteSpace(tableUri) ? null : new Uri(tableUri),
                    string.IsNullOrWhiteSpace(queueUri) ? null : new Uri(queueUri),
                    credential);
            }
        }

        throw new InvalidOperationException(
            $"No storage connection: set '{name}' (or '{FallbackSettingName}') to a connection string, e.g. UseDevelopmentStorage=true, or set '{name}__tableServiceUri' and '{name}__queueServiceUri'.");
    }

    public TableServiceClient CreateTableServiceClient() =>
        _connectionString is not null
            ? new TableServiceClient(_connectionString)
            : new TableServiceClient(_tableUri ?? throw new InvalidOperationException($"{SettingName}__tableServiceUri is not set."), _credential);

    public QueueServiceClient CreateQueueServiceClient() =>
        _connectionString is not null
            ? new QueueServiceClient(_connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None })
            : new QueueServiceClient(_queueUri ?? throw new InvalidOperationException($"{SettingName}__queueServiceUri is not set."), _credential, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
}
