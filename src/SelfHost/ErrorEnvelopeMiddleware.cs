using Microsoft.AspNetCore.Http;
using TaskScheduler.Core.Api;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.SelfHost;

/// <summary>
/// SelfHost's counterpart of the Functions app's error middleware: every exception of a request becomes the
/// envelope, with no internals; unknown routes and methods answer in the envelope too.
/// </summary>
public sealed partial class ErrorEnvelopeMiddleware(RequestDelegate next, ILogger<ErrorEnvelopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var result = ApiResults.For(ex) ?? ex switch
            {
                BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                    ApiResults.Error(new ApiException(413, ErrorCodes.PayloadTooLarge, "The request body is too large.")),
                BadHttpRequestException bad => ApiResults.Error(new ApiException(bad.StatusCode, ErrorCodes.InvalidParameter, "The request is malformed.")),
                OperationCanceledException when context.RequestAborted.IsCancellationRequested => null,
                _ => null,
            };
            if (result is null)
            {
                if (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }

                LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
                result = ApiResults.InternalError();
            }

            context.Response.Clear();
            await result.WriteAsync(context);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Unhandled exception in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
