using TaskScheduler.SelfHost;

// Settings (appsettings.json) sit beside the binary, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSelfHost();
var app = builder.Build();
app.UseSelfHost();
await app.RunAsync();

/// <summary>Entry point; public so tests can name the assembly.</summary>
public partial class Program;
