using Microsoft.AspNetCore.Diagnostics;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Hosting;
using TaskScheduler.ServiceDefaults;
using TaskScheduler.Functions.Http;
using TaskScheduler.SelfHost.Durable;

namespace TaskScheduler.SelfHost;

/// <summary>Wires SelfHost: the Functions app's services and HTTP functions, on Kestrel.</summary>
public static class SelfHostExtensions
{
    /// <summary>The Functions host's local port, so every local URL is the same with either host.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    public static WebApplicationBuilder AddSelfHost(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var throttles = HttpThrottles.From(builder.Configuration, Path.Combine(AppContext.BaseDirectory, "host.json"));
        builder.Services.AddSingleton(throttles);
        throttles.AddTo(builder.Services);
        builder.Services.AddSchedulerCore(builder.Configuration);
        builder.Services.AddSchedulerTelemetry(builder.Configuration, "taskscheduler-api", aspNetCore: true);

        // Built now: an HTTP function without [RequiresScope], or one SelfHost cannot serve as the Functions host
        // would, stops SelfHost from starting.
        builder.Services.AddFunctions(HttpFunctionCatalog.ForFunctionsApp());
        builder.Services.AddDurableEngine();
        builder.Services.AddHostedService<MaintenanceService>();
        builder.Services.AddHostedService<EventOutboxService>();
        return builder;
    }

    public static WebApplication UseSelfHost(this WebApplication app)
    {
        app.UseMiddleware<ErrorEnvelopeMiddleware>();
        app.UseStatusCodePages(WriteStatusEnvelopeAsync);
        HttpThrottles.Use(app);

        // The dashboard lives under the Functions route prefix (/api/dashboard/, the same function on both hosts);
        // SelfHost also answers the short address with a redirect. Not an endpoint: it serves nothing itself.
        app.Use((context, next) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Value is "/dashboard" or "/dashboard/")
            {
                context.Response.Redirect($"/{FunctionEndpoints.RoutePrefix}/dashboard/", permanent: false, preserveMethod: true);
                return Task.CompletedTask;
            }

            return next(context);
        });

        // Routing first, so the authorisation middleware sees the matched function and its scope.
        app.UseRouting();
        app.UseMiddleware<AuthorizationMiddleware>();
        app.MapFunctions();
        return app;
    }

    /// <summary>
    /// Under <c>/api</c> the unmatched-route function answers unknown paths and wrong methods, as under the Functions
    /// host; elsewhere (or with a method no function lists) routing answers 404 or 405 with no body: give them the envelope.
    /// </summary>
    private static Task WriteStatusEnvelopeAsync(StatusCodeContext context)
    {
        var status = context.HttpContext.Response.StatusCode;
        var error = status switch
        {
            404 => ApiException.NoSuchEndpoint(),
            405 => ApiException.MethodNotAllowed(),
            _ => new ApiException(status, ErrorCodes.InvalidParameter, "The request could not be served."),
        };
        return ApiResults.Error(error).WriteAsync(context.HttpContext);
    }
}
