using System.Globalization;

namespace TaskScheduler.Functions.Http;

/// <summary><c>Idempotency-Key</c> on the creates that take it (<c>POST /tasks</c>, <c>POST /schedules</c>).</summary>
public static class IdempotentCreate
{
    /// <summary>
    /// A create under an <c>Idempotency-Key</c> (validated first, so a 400 reserves nothing): the first request runs
    /// <paramref name="create"/> with the id reserved for the key and keeps its reply; a replay gets that reply.
    /// </summary>
    public static async Task<IActionResult> RunAsync(IdempotencyStore idempotency, HttpRequest request, string operation, string key, string body, Func<string> newId, Func<string, Task<EnvelopeResult>> create)
    {
        var caller = (ApiCaller)request.HttpContext.Items[GateReplies.CallerItemKey]!;
        IdempotencyDecision decision;
        try
        {
            decision = await idempotency.BeginAsync(caller.Id, operation, IdempotencyStore.ParseKey(key), body, newId, request.HttpContext.RequestAborted);
        }
        catch (ApiException ex) when (ex.Code == ErrorCodes.RequestInProgress)
        {
            request.HttpContext.Response.Headers.RetryAfter = IdempotencyStore.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return ApiResults.Error(ex);
        }

        if (decision is IdempotencyDecision.Replay replay)
        {
            return new ReplayedResult(replay.Status, replay.Body);
        }

        var proceed = (IdempotencyDecision.Proceed)decision;
        EnvelopeResult result;
        try
        {
            result = await create(proceed.ResourceId);
        }
        catch (Exception ex) when (ApiResults.For(ex) is not null)
        {
            await idempotency.AbandonAsync(proceed, CancellationToken.None);
            throw;
        }

        await idempotency.CompleteAsync(proceed, result.StatusCode, result.ToJson(), CancellationToken.None);
        return result;
    }
}
