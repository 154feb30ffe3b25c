using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>One proxy port: who is sent to it, which service it fronts, and Azurite's port for that service.</summary>
public sealed record ProxyListener(string Source, StorageService Service, int Port, int TargetPort);

/// <summary>
/// A counting reverse proxy in front of Azurite, on loopback, in the bench's process. Each listener forwards every
/// request unchanged (method, raw path and query, headers, body: the shared-key signature stays valid) to Azurite's
/// port for its service and counts it in <see cref="Counter"/> under the name the classifier gives it; a step takes
/// a snapshot before and after a window and subtracts.
/// </summary>
public sealed partial class CountingProxy(IReadOnlyList<ProxyListener> listeners, StorageCounter counter, ILogger logger) : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly HttpClient _upstream = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = 256,
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private WebApplication? _app;

    public StorageCounter Counter => counter;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var byPort = listeners.ToDictionary(l => l.Port);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Clients keep connections open: do not wait the default 30 s for them at shutdown.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            foreach (var listener in listeners)
            {
                kestrel.Listen(IPAddress.Loopback, listener.Port);
            }
        });
        _app = builder.Build();
        _app.Run(context => ForwardAsync(context, byPort[context.Connection.LocalPort]));
        await _app.StartAsync(cancellationToken);
        LogListening(logger, string.Join(", ", listeners.Select(l => $"{l.Source} {l.Service} {l.Port}->{l.TargetPort}")));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext context, ProxyListener listener)
    {
        var incoming = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? incoming.Path + incoming.QueryString;
        byte[] body = [];
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            using var buffer = new MemoryStream();
            await incoming.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }

        var headers = incoming.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        counter.Count(counter.Classifier.Classify(listener.Source, listener.Service, incoming.Method, incoming.Path.Value ?? "/", incoming.QueryString.Value ?? string.Empty, headers, body));

        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri($"http://127.0.0.1:{listener.TargetPort}{rawTarget}"));
        if (body.Length > 0 || incoming.Method is "PUT" or "POST" or "PATCH" or "MERGE")
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Counting proxy: {Listeners}")]
    private static partial void LogListening(ILogger logger, string listeners);
}
