using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.TestSupport;

/// <summary>A request an <see cref="HttpReceiver"/> got: path, headers and the exact body bytes.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith);

/// <summary>
/// A real HTTP server on 127.0.0.1 that records what it receives (a webhook receiver, or an endpoint posing as an
/// Event Grid topic). <see cref="Answer"/> decides each reply's status code.
/// </summary>
public sealed class HttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Status code for a request, given its path and how many requests came before on that path.</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<HttpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new HttpReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var path = context.Request.Path.Value ?? "/";
        var status = Answer(path, Requests.Count(r => r.Path == path));
        Requests.Enqueue(new ReceivedRequest(
            path,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray(),
            status));
        context.Response.StatusCode = status;
    }
}
