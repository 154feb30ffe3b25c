using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// Fixed-window rate limits that hold across every instance of the app. The window's count lives in one table row
/// per credential; an instance does not write it per request but takes a lease of several requests at once (an
/// ETag-guarded increment) and serves them from memory. Leases start at 1 in each window and double up to 5 % of
/// the limit (at most 100), so a quiet caller wastes nothing and a busy one costs one storage call per lease.
/// </summary>
/// <remarks>
/// The sum of all leases never exceeds the limit, so the instances together never serve more than it. What an
/// instance leased but did not use is lost when the window ends: with N instances serving one credential at once,
/// up to N x 5 % of a window can go unserved. Once the row says the window is spent, an instance refuses further
/// requests from memory until the window ends (a flood past the limit costs no storage calls). The count of one
/// credential is one row, which Table Storage serves at thousands of writes per second; leases keep it far below.
/// </remarks>
public sealed class RateLimiter(SchedulerStorage storage, TimeProvider clock)
{
    private const int MaxAttempts = 20;
    private const int PruneAbove = 10_000;

    private readonly TableClient _table = storage.Table(TableNames.RateLimits);
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>The largest lease an instance takes for a limit: 5 % of it, between 1 and 100.</summary>
    public static int MaxLease(int limit) => Math.Clamp(limit / 20, 1, 100);

    public async ValueTask<RateLimitDecision> AcquireAsync(string key, RateLimitTier tier, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var window = new Window(now - (now % tier.WindowSeconds), tier.WindowSeconds);
        var bucket = _buckets.GetOrAdd(key, static _ => new Bucket());
        if (bucket.TryTake(window, tier.Limit, now) is { } fromMemory)
        {
            return fromMemory;
        }

        PruneIfLarge(now);
        await bucket.Reserving.WaitAsync(cancellationToken);
        try
        {
            // Another request of this instance may have taken a lease while this one waited.
            if (bucket.TryTake(window, tier.Limit, now) is { } afterWait)
            {
                return afterWait;
            }

            await LeaseAsync(key, bucket, window, tier.Limit, cancellationToken);
            return bucket.TryTake(window, tier.Limit, now)
                ?? throw new InvalidOperationException("A lease left the bucket neither served nor spent.");
        }
        finally
        {
            bucket.Reserving.Release();
        }
    }

    private async Task LeaseAsync(string key, Bucket bucket, Window window, int limit, CancellationToken cancellationToken)
    {
        var lease = bucket.NextLease(window, limit);
        var row = bucket.Row;
        var rowKnown = row is not null;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if (!rowKnown)
            {
                var read = await _table.GetEntityIfExistsAsync<RateLimitEntity>(key, RateLimitEntity.WindowRowKey, cancellationToken: cancellationToken);
                row = read.HasValue ? read.Value : null;
                rowKnown = true;
            }

            // A row from a later window comes from an instance whose clock is slightly ahead: count in it.
            var sameWindow = row is not null && row.WindowStart >= window.Start;
            var before = sameWindow ? row!.Allocated : 0;
            if (before >= limit)
            {
                bucket.Spent(window, before, row);
                return;
            }

            var grant = Math.Min(lease, limit - before);
            var next = new RateLimitEntity
            {
                PartitionKey = key,
                WindowStart = sameWindow ? row!.WindowStart : window.Start,
                Allocated = before + grant,
            };
            try
            {
                var response = row is null
                    ? await _table.AddEntityAsync(next, cancellationToken)
                    : await _table.UpdateEntityAsync(next, row.ETag, TableUpdateMode.Replace, cancellationToken);
                next.ETag = response.Headers.ETag ?? default;
                bucket.Leased(window, grant, next, limit);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                // Another instance wrote first: read the row again and decide on what it says now.
                rowKnown = false;
            }
        }

        throw new ApiException(503, ErrorCodes.ServiceUnavailable, "The rate limiter is too busy to decide; retry in a second.");
    }

    private void PruneIfLarge(long now)
    {
        if (_buckets.Count <= PruneAbove)
        {
            return;
        }

        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.EndedBefore(now))
            {
                _buckets.TryRemove(key, out _);
            }
        }
    }

    private readonly record struct Window(long Start, int Seconds)
    {
        public long End => Start + Seconds;
    }

    /// <summary>One credential's state on this instance. Fields change under the lock; one lease is taken at a time.</summary>
    private sealed class Bucket
    {
        private readonly Lock _lock = new();
        private long _windowStart = -1;
        private long _windowEnd;
        private int _local;
        private int _allocated;
        private bool _spent;
        private int _nextLease = 1;

        public SemaphoreSlim Reserving { get; } = new(1, 1);

        /// <summary>The counter row as this instance last wrote or read it (its ETag saves a read per lease).</summary>
        public RateLimitEntity? Row { get; private set; }

        public RateLimitDecision? TryTake(Window window, int limit, long now)
        {
            lock (_lock)
            {
                if (_windowStart != window.Start)
                {
                    return null;
                }

                if (_local > 0)
                {
                    _local--;
                    return new RateLimitDecision(true, limit, Math.Max(0, limit - _allocated + _local), window.End, 0);
                }

                return _spent
                    ? new RateLimitDecision(false, limit, 0, window.End, (int)Math.Max(1, window.End - now))
                    : null;
            }
        }

        public int NextLease(Window window, int limit)
        {
            lock (_lock)
            {
                return _windowStart == window.Start ? Math.Min(_nextLease, MaxLease(limit)) : 1;
            }
        }

        public void Leased(Window window, int grant, RateLimitEntity row, int limit)
        {
            lock (_lock)
            {
                if (_windowStart != window.Start)
                {
                    Reset(window);
                }

                _local += grant;
                _allocated = row.Allocated;
                _nextLease = Math.Min(Math.Max(_nextLease, grant) * 2, MaxLease(limit));
                Row = row;
            }
        }

        public void Spent(Window window, int allocated, RateLimitEntity? row)
        {
            lock (_lock)
            {
                if (_windowStart != window.Start)
                {
                    Reset(window);
                }

                _allocated = allocated;
                _spent = true;
                Row = row;
            }
        }

        public bool EndedBefore(long now)
        {
            lock (_lock)
            {
                return _windowEnd < now;
            }
        }

        private void Reset(Window window)
        {
            _windowStart = window.Start;
            _windowEnd = window.End;
            _local = 0;
            _allocated = 0;
            _spent = false;
            _nextLease = 1;
        }
    }
}
