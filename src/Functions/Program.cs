using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskScheduler.Core.Hosting;
using TaskScheduler.ServiceDefaults;
using TaskScheduler.Functions.Http;
using TaskScheduler.Functions.Middleware;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseWhen<ErrorEnvelopeMiddleware>(IsHttpTrigger);
builder.UseWhen<AuthorizationMiddleware>(IsHttpTrigger);
builder.Services.AddSchedulerCore(builder.Configuration);
builder.Services.AddSchedulerTelemetry(builder.Configuration, "taskscheduler-api", aspNetCore: true);

// Built here, not on first use: an HTTP function without [RequiresScope] stops the worker from starting.
builder.Services.AddSingleton(HttpFunctionCatalog.ForFunctionsApp());
builder.Build().Run();

static bool IsHttpTrigger(FunctionContext context) => context.FunctionDefinition.InputBindings.Values.Any(b => b.Type == "httpTrigger");
