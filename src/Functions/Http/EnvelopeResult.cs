namespace TaskScheduler.Functions.Http;

/// <summary>Writes an <see cref="Envelope"/> in the API's JSON dialect with a status code.</summary>
public sealed class EnvelopeResult(int statusCode, Envelope envelope) : IActionResult
{
    public int StatusCode { get; } = statusCode;

    public Envelope Envelope { get; } = envelope;

    public Task ExecuteResultAsync(ActionContext context) => WriteAsync(context.HttpContext);

    /// <summary>The body as it is sent, for a reply that is kept (an idempotent create's).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(Envelope, ApiJson.Options);

    public Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        return context.Response.WriteAsJsonAsync(Envelope, ApiJson.Options, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }
}

/// <summary>The kept reply of an idempotent request's first run, sent again with <c>Idempotent-Replayed: true</c>.</summary>
public sealed class ReplayedResult(int statusCode, string body) : IActionResult
{
    public int StatusCode { get; } = statusCode;

    public Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers[IdempotencyStore.ReplayedHeaderName] = "true";
        return response.WriteAsync(body, context.HttpContext.RequestAborted);
    }
}
