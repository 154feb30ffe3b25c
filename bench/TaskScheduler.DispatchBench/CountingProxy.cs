using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.DispatchBench;

/// <summary>One proxy port: who is sent to it, which service it fronts, and Azurite's port for that service.</summary>
public sealed record ProxyListener(string Source, StorageService Service, int Port, int TargetPort)
{
    /// <summary>Parses <c>source:service:port:target</c>, e.g. <c>selfhost:table:10512:10502</c>.</summary>
    public static ProxyListener Parse(string spec)
    {
        var parts = spec.Split(':');
        return parts.Length == 4
            ? new ProxyListener(parts[0], Enum.Parse<StorageService>(parts[1], ignoreCase: true), int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture))
            : throw new FormatException($"A proxy listener is source:service:port:target, not '{spec}'.");
    }
}

/// <summary>
/// A counting reverse proxy in front of Azurite, on loopback only. Each listener forwards every request unchanged
/// (method, raw path and query, headers, body: the shared-key signature stays valid) to Azurite's port for its
/// service and counts it under the name <see cref="StorageRequestClassifier"/> gives it. <c>GET /counts</c> on the
/// control port answers the counts so far; a step takes a snapshot before and after a window and subtracts.
/// </summary>
public sealed partial class CountingProxy(IReadOnlyList<ProxyListener> listeners, int controlPort, StorageRequestClassifier classifier, ILogger<CountingProxy> logger)
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var upstream = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = 256,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
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

            kestrel.Listen(IPAddress.Loopback, controlPort);
        });
        await using var app = builder.Build();
        app.Run(context => byPort.TryGetValue(context.Connection.LocalPort, out var listener)
            ? ForwardAsync(context, listener, upstream)
            : context.Response.WriteAsJsonAsync(new SortedDictionary<string, long>(_counts, StringComparer.Ordinal), context.RequestAborted));
        await app.StartAsync(cancellationToken);
        LogListening(logger, string.Join(", ", listeners.Select(l => $"{l.Source} {l.Service} {l.Port}->{l.TargetPort}")), controlPort);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await app.StopAsync(CancellationToken.None);
    }

    private async Task ForwardAsync(HttpContext context, ProxyListener listener, HttpClient upstream)
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
        var key = classifier.Classify(listener.Source, listener.Service, incoming.Method, incoming.Path.Value ?? "/", incoming.QueryString.Value ?? string.Empty, headers, body);
        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);

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

        using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Counting proxy: {Listeners}; counts on 127.0.0.1:{ControlPort}/counts")]
    private static partial void LogListening(ILogger logger, string listeners, int controlPort);
}
