using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Auth;

/// <summary>The <c>apikeys</c> table: one row per key (PartitionKey = key id); keys are few, so a list reads them all.</summary>
public sealed class ApiKeyStore(SchedulerStorage storage)
{
    private const int MaxUpdateAttempts = 10;

    private readonly TableClient _table = storage.Table(TableNames.ApiKeys);

    /// <summary>Inserts a new key; false if the id is taken (then the caller draws another).</summary>
    public async Task<bool> TryInsertAsync(ApiKeyEntity key, CancellationToken cancellationToken)
    {
        try
        {
            await _table.AddEntityAsync(key, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<ApiKeyEntity?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<ApiKeyEntity>(id, ApiKeyEntity.KeyRowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public async Task<IReadOnlyList<ApiKeyEntity>> ListAsync(CancellationToken cancellationToken)
    {
        var keys = new List<ApiKeyEntity>();
        await foreach (var key in _table.QueryAsync<ApiKeyEntity>(cancellationToken: cancellationToken))
        {
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Marks a key revoked (ETag-guarded, idempotent); null if there is no such key.</summary>
    public async Task<ApiKeyEntity?> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var key = await GetAsync(id, cancellationToken);
            if (key is null || key.Revoked)
            {
                return key;
            }

            key.Revoked = true;
            key.RevokedAt = at;
            try
            {
                await _table.UpdateEntityAsync(key, key.ETag, TableUpdateMode.Replace, cancellationToken);
                return key;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxUpdateAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Records a use. A merge of this one property with <see cref="ETag.All"/>, on purpose: a last-used time may be
    /// overwritten by any later one, and a merge cannot undo a revocation written in between.
    /// </summary>
    public async Task TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var change = new TableEntity(id, ApiKeyEntity.KeyRowKey) { [nameof(ApiKeyEntity.LastUsedAt)] = at };
        await _table.UpdateEntityAsync(change, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }
}
