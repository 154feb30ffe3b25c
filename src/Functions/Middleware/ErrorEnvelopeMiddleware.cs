using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
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
            var result = ApiResults.For(ex);
            if (result is null)
            {
                LogUnhandled(logger, ex, context.FunctionDefinition.Name);
                result = ApiResults.InternalError();
            }

            await result.WriteAsync(httpContext);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unhandled exception in HTTP function {Function}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function);
}
