using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Api;

/// <summary>What a request carrying an <c>Idempotency-Key</c> may do (see <see cref="IdempotencyStore.BeginAsync"/>).</summary>
public abstract record IdempotencyDecision
{
    private IdempotencyDecision()
    {
    }

    /// <summary>The first request with this key (or one that takes over a crashed first): run it, then <see cref="IdempotencyStore.CompleteAsync"/>.</summary>
    public sealed record Proceed(string PartitionKey, string RowKey, ETag ETag, string ResourceId) : IdempotencyDecision;

    /// <summary>The key's first request finished: answer what it answered.</summary>
    public sealed record Replay(int Status, string Body) : IdempotencyDecision;
}

/// <summary>
/// Stripe-style idempotency keys (decisions.md, "Beyond the reference"): a key is scoped to the credential and the
/// operation and kept <see cref="Retention"/>. The first request inserts an in-flight row (an insert, so of two
/// concurrent duplicates exactly one proceeds), runs, and stores its reply; a replay with the same body gets that
/// reply, one with another body <c>422 idempotency_key_reused</c>, one while the first is in flight
/// <c>409 request_in_progress</c>. A first request that failed with a client error leaves nothing behind (the key
/// may be used again); one whose process died mid-way is taken over after <see cref="InFlightLease"/>, and the
/// resource id reserved with the key (<see cref="IdempotencyDecision.Proceed.ResourceId"/>) makes the take-over
/// find what the dead request created instead of creating a second one.
/// </summary>
public sealed class IdempotencyStore(SchedulerStorage storage, TimeProvider clock)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>An in-flight row older than this belongs to a request whose process died: the next one takes over.</summary>
    public static readonly TimeSpan InFlightLease = TimeSpan.FromSeconds(60);

    /// <summary>What a request in progress tells its duplicate to wait before trying again.</summary>
    public const int RetryAfterSeconds = 1;

    private readonly TableClient _table = storage.Table(TableNames.Idempotency);

    /// <summary>1-255 printable ASCII characters.</summary>
    public static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= ' ' and <= '~');

    /// <summary>Checks a header value, or throws the <c>400 invalid_parameter</c> that names it.</summary>
    public static string ParseKey(string key) => IsValidKey(key)
        ? key
        : throw new ApiException(400, ErrorCodes.InvalidParameter, $"Invalid {HeaderName} header.", new Dictionary<string, string>
        {
            [HeaderName] = $"must be 1-{MaxKeyLength} printable ASCII characters.",
        });

    /// <param name="caller">The credential's stable id (<c>ApiCaller.Id</c>).</param>
    /// <param name="operation">The route the key is used on, e.g. <c>POST /tasks</c>.</param>
    /// <param name="body">The request body exactly as sent; a replay must send the same.</param>
    /// <param name="newResourceId">The id the request will create its resource under, kept with the key.</param>
    /// <exception cref="ApiException">422 for another body, 409 while the first request is in flight.</exception>
    public async Task<IdempotencyDecision> BeginAsync(string caller, string operation, string key, string body, Func<string> newResourceId, CancellationToken cancellationToken)
    {
        var partition = Hash(caller + "\n" + operation)[..32];
        var row = Hash(key);
        var bodyHash = Hash(body);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = clock.GetUtcNow();
            var fresh = Fresh(partition, row, bodyHash, now, newResourceId());
            try
            {
                var added = await _table.AddEntityAsync(fresh, cancellationToken);
                return new IdempotencyDecision.Proceed(partition, row, added.Headers.ETag ?? default, fresh.GetString("ResourceId"));
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
            }

            var existing = await _table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            if (!existing.HasValue || existing.Value is not { } stored)
            {
                continue;
            }

            var startedAt = stored.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue;
            var status = stored.GetInt32("Status") ?? 0;
            var expired = now - startedAt > Retention;
            var abandoned = status == 0 && now - startedAt > InFlightLease;
            if (!expired && !string.Equals(stored.GetString("BodyHash"), bodyHash, StringComparison.Ordinal))
            {
                throw new ApiException(422, ErrorCodes.IdempotencyKeyReused, $"This {HeaderName} was used with a different request body in the last {Retention.TotalHours:F0} hours.");
            }

            if (!expired && !abandoned)
            {
                return status != 0
                    ? new IdempotencyDecision.Replay(status, stored.GetString("Body") ?? string.Empty)
                    : throw InProgress();
            }

            // An abandoned first request may have created its resource: the take-over uses the same id.
            if (!expired && stored.GetString("ResourceId") is { Length: > 0 } reserved)
            {
                fresh["ResourceId"] = reserved;
            }

            try
            {
                var replaced = await _table.UpdateEntityAsync(fresh, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                return new IdempotencyDecision.Proceed(partition, row, replaced.Headers.ETag ?? default, fresh.GetString("ResourceId"));
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Another duplicate took it over first: look again.
            }
        }

        throw InProgress();
    }

    /// <summary>Stores the first request's reply for its replays.</summary>
    public async Task CompleteAsync(IdempotencyDecision.Proceed proceed, int status, string body, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(proceed.PartitionKey, proceed.RowKey) { ["Status"] = status, ["Body"] = body };
        await _table.UpdateEntityAsync(entity, proceed.ETag, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>The first request failed before it changed anything: forget the key, so it may be used again.</summary>
    public async Task AbandonAsync(IdempotencyDecision.Proceed proceed, CancellationToken cancellationToken)
    {
        try
        {
            await _table.DeleteEntityAsync(proceed.PartitionKey, proceed.RowKey, proceed.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
        }
    }

    private static ApiException InProgress() =>
        new(409, ErrorCodes.RequestInProgress, $"A request with this {HeaderName} is still in progress; retry after {RetryAfterSeconds} s.");

    private static TableEntity Fresh(string partition, string row, string bodyHash, DateTimeOffset now, string resourceId) => new(partition, row)
    {
        ["BodyHash"] = bodyHash,
        ["StartedAt"] = now,
        ["Status"] = 0,
        ["ResourceId"] = resourceId,
    };

    private static string Hash(string value) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToLower(CultureInfo.InvariantCulture);
}
