using TaskScheduler.Core.Auth;
using TaskScheduler.Functions.Http;

namespace TaskScheduler.SelfHost;

/// <summary>
/// SelfHost's counterpart of the Functions app's authorisation middleware: the same <see cref="RequestGate"/>, with
/// the scope of the matched function. A request that matches no function (a 404 or 405 follows) still needs a valid
/// credential, so nothing under this host answers anonymously except the dashboard's static files (a GET-only function
/// marked <see cref="PublicStaticAssetsAttribute"/>).
/// </summary>
public sealed class AuthorizationMiddleware(RequestDelegate next, RequestGate gate)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var function = context.GetEndpoint()?.Metadata.GetMetadata<HttpFunction>();
        if (function is { IsPublic: true } || await GateReplies.AdmitAsync(context, gate, function?.Scope))
        {
            await next(context);
        }
    }
}
