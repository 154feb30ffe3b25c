using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TaskScheduler.Core.Api;

namespace TaskScheduler.Functions.Http;

/// <summary>Writes an <see cref="Envelope"/> in the API's JSON dialect with a status code.</summary>
public sealed class EnvelopeResult(int statusCode, Envelope envelope) : IActionResult
{
    public int StatusCode { get; } = statusCode;

    public Envelope Envelope { get; } = envelope;

    public Task ExecuteResultAsync(ActionContext context) => WriteAsync(context.HttpContext);

    public Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCode;
        return context.Response.WriteAsJsonAsync(Envelope, ApiJson.Options, contentType: "application/json; charset=utf-8", context.RequestAborted);
    }
}
