namespace TaskScheduler.Functions.Http;

/// <summary>
/// Applies a <see cref="RequestGate"/> decision to an HTTP exchange, identically in both hosts: its headers go on
/// the reply (again just before it starts, so an error middleware that clears the response keeps them), and a
/// refusal is answered in the envelope.
/// </summary>
public static class GateReplies
{
    /// <summary>The admitted caller, for code that wants to know who called.</summary>
    public static readonly object CallerItemKey = new();

    /// <param name="requiredScope">The function's scope (<see cref="ScopePolicy.AnyCredential"/>: a credential only); null where no function matched.</param>
    /// <returns>True when the request may go on to its function.</returns>
    public static async Task<bool> AdmitAsync(HttpContext context, RequestGate gate, string? requiredScope)
    {
        var request = context.Request;
        var result = await gate.AdmitAsync(request.Headers.Authorization, request.Headers.Accept, ScopePolicy.GateScope(requiredScope), context.RequestAborted);
        SetHeaders(context.Response, result.Headers);
        context.Response.OnStarting(static state =>
        {
            var (response, headers) = ((HttpResponse, IReadOnlyList<KeyValuePair<string, string>>))state;
            SetHeaders(response, headers);
            return Task.CompletedTask;
        }, (context.Response, result.Headers));

        if (result.Rejection is { } rejection)
        {
            await ApiResults.Error(rejection).WriteAsync(context);
            return false;
        }

        context.Items[CallerItemKey] = result.Caller;
        return true;
    }

    private static void SetHeaders(HttpResponse response, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        foreach (var (name, value) in headers)
        {
            response.Headers[name] = value;
        }
    }
}
