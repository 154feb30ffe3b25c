using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Telemetry;
using TaskScheduler.Functions.Middleware;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseWhen<ErrorEnvelopeMiddleware>(context => context.FunctionDefinition.InputBindings.Values.Any(b => b.Type == "httpTrigger"));
builder.Services.AddSchedulerCore(builder.Configuration);
builder.Services.AddSchedulerTelemetry(builder.Configuration, "taskscheduler-api", aspNetCore: true);
builder.Build().Run();
