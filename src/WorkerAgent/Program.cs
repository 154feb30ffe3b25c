using TaskScheduler.Supervisor;
using TaskScheduler.WorkerAgent;

// The same binary supervises each command it starts (see CommandSupervisor): no host, no configuration there.
if (args is [CommandSupervisor.Mode, .. var supervised])
{
    return await CommandSupervisor.RunAsync(supervised);
}

// appsettings.json sits beside the binary, wherever the agent is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddWorkerAgent();
await builder.Build().RunAsync();
return 0;
