using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Api;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.Functions.Middleware;

/// <summary>
/// Turns every exception of an HTTP function into the error envelope. Registered for HTTP triggers only:
/// for queue, timer and Durable triggers an exception must propagate, or retries and failure details are lost.
/// </summary>
public sealed partial class ErrorEnvelopeMiddleware(ILogger<ErrorEnvelopeMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            var httpContext = context.GetHttpContext() ?? throw new InvalidOperationException("HTTP middleware ran without an HTTP context.", ex);
            var apiException = ex as ApiException ?? ex.InnerException as ApiException;
            if (apiException is null)
            {
                LogUnhandled(logger, ex, context.FunctionDefinition.Name);
            }

            var result = apiException is null ? ApiResults.InternalError() : ApiResults.Error(apiException);
            await result.WriteAsync(httpContext);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unhandled exception in HTTP function {Function}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function);
}
