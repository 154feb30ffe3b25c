using TaskScheduler.WorkerAgent;

// appsettings.json sits beside the binary, wherever the agent is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddWorkerAgent();
await builder.Build().RunAsync();
