using Microsoft.Extensions.Time.Testing;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Core.Tests;

/// <summary>
/// The idempotency key's lifecycle on real table storage, with the clock in the test's hands: a request whose
/// process died after <c>BeginAsync</c> (no reply stored) holds its key for <see cref="IdempotencyStore.InFlightLease"/>,
/// then a retry takes it over with the id the dead request reserved, so the retry finds the resource the dead
/// request may have made instead of making a second.
/// </summary>
public class IdempotencyStoreTests
{
    private const string Caller = "key:caller-1";
    private const string Operation = "POST /tasks";
    private const string Body = """{"name":"n","command":"true"}""";

    [Fact]
    public async Task A_request_that_died_in_flight_is_refused_within_its_lease_then_taken_over_with_its_reserved_id()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = await StoreAsync(clock);
        var ids = 0;
        string NewId() => $"task-reserved-{++ids}";

        var first = Assert.IsType<IdempotencyDecision.Proceed>(await store.BeginAsync(Caller, Operation, "k1", Body, NewId, CancellationToken.None));
        Assert.Equal("task-reserved-1", first.ResourceId);

        // The first request's process dies here: no CompleteAsync, no AbandonAsync.
        clock.Advance(IdempotencyStore.InFlightLease - TimeSpan.FromSeconds(1));
        var inFlight = await Assert.ThrowsAsync<ApiException>(() => store.BeginAsync(Caller, Operation, "k1", Body, NewId, CancellationToken.None));
        Assert.Equal((409, ErrorCodes.RequestInProgress), (inFlight.Status, inFlight.Code));

        clock.Advance(TimeSpan.FromSeconds(2));
        var takeOver = Assert.IsType<IdempotencyDecision.Proceed>(await store.BeginAsync(Caller, Operation, "k1", Body, NewId, CancellationToken.None));
        Assert.Equal(first.ResourceId, takeOver.ResourceId);

        // The dead request's late completion cannot overwrite the take-over's row (its ETag is stale).
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => store.CompleteAsync(first, 201, "late", CancellationToken.None));
        await store.CompleteAsync(takeOver, 201, """{"data":{"id":"task-reserved-1"}}""", CancellationToken.None);

        var replay = Assert.IsType<IdempotencyDecision.Replay>(await store.BeginAsync(Caller, Operation, "k1", Body, NewId, CancellationToken.None));
        Assert.Equal((201, """{"data":{"id":"task-reserved-1"}}"""), (replay.Status, replay.Body));
    }

    [Fact]
    public async Task A_key_past_its_retention_starts_afresh_with_a_new_id_even_for_another_body()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = await StoreAsync(clock);
        var ids = 0;
        string NewId() => $"task-new-{++ids}";

        var first = Assert.IsType<IdempotencyDecision.Proceed>(await store.BeginAsync(Caller, Operation, "k2", Body, NewId, CancellationToken.None));
        await store.CompleteAsync(first, 201, "first", CancellationToken.None);
        var reused = await Assert.ThrowsAsync<ApiException>(() => store.BeginAsync(Caller, Operation, "k2", "{}", NewId, CancellationToken.None));
        Assert.Equal((422, ErrorCodes.IdempotencyKeyReused), (reused.Status, reused.Code));

        clock.Advance(IdempotencyStore.Retention + TimeSpan.FromSeconds(1));
        var again = Assert.IsType<IdempotencyDecision.Proceed>(await store.BeginAsync(Caller, Operation, "k2", "{}", NewId, CancellationToken.None));
        Assert.NotEqual(first.ResourceId, again.ResourceId);
    }

    private static async Task<IdempotencyStore> StoreAsync(TimeProvider clock)
    {
        var storage = await TestStorage.NewSchedulerStorageAsync();
        return new IdempotencyStore(storage, clock);
    }
}
