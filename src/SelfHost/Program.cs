using TaskScheduler.SelfHost;

var builder = WebApplication.CreateBuilder(args);
builder.AddSelfHost();
var app = builder.Build();
app.UseSelfHost();
await app.RunAsync();

/// <summary>Entry point; public so tests can name the assembly.</summary>
public partial class Program;
