using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using TaskScheduler.Core.Auth;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.Functions.Middleware;

/// <summary>
/// Admits each HTTP invocation through the shared <see cref="RequestGate"/> with the scope its function declares
/// (read from the method the host invokes, <c>FunctionDefinition.EntryPoint</c>, via <see cref="HttpFunctionCatalog"/>).
/// Registered for HTTP triggers only, inside <see cref="ErrorEnvelopeMiddleware"/>. A function marked
/// <see cref="PublicStaticAssetsAttribute"/> (GET of the dashboard's static files) is let through without one.
/// </summary>
public sealed class AuthorizationMiddleware(RequestGate gate, HttpFunctionCatalog catalog) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var httpContext = context.GetHttpContext() ?? throw new InvalidOperationException("HTTP middleware ran without an HTTP context.");
        var scope = catalog.ScopeOf(context.FunctionDefinition.EntryPoint);
        if (scope == ScopePolicy.PublicStaticAssets || await GateReplies.AdmitAsync(httpContext, gate, scope))
        {
            await next(context);
        }
    }
}
