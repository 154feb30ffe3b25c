using System.Net;
using System.Net.Sockets;

namespace TaskScheduler.TestSupport;

/// <summary>
/// A loopback TCP proxy in front of SelfHost, so a test can cut one agent off from the API (new connections are
/// refused and open ones dropped) while everything else keeps working.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _cut = new();
    private readonly CancellationTokenSource _blackHole = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Uri ApiBase => new($"http://127.0.0.1:{Port}/api/");

    /// <summary>From now on nothing passes: the listener closes and every open connection is reset.</summary>
    public void Cut()
    {
        if (_cut.IsCancellationRequested)
        {
            return;
        }

        _cut.Cancel();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                // A reset, not a polite close: the agent must see the API vanish. A connection whose pipe just
                // ended has disposed its socket already (its stream owns it) and needs no reset.
                try
                {
                    if (connection.Client is { } socket)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                }
                catch (ObjectDisposedException)
                {
                }

                connection.Dispose();
            }
        }
    }

    /// <summary>
    /// From now on nothing passes, but nothing closes either: connections are accepted and held, bytes are read by
    /// nobody, as with a network that drops packets. A client sees its calls hang, not fail.
    /// </summary>
    public void BlackHole() => _blackHole.Cancel();

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _accepting;
        _cut.Dispose();
        _blackHole.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_cut.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_cut.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(inbound);
        }
    }

    private async Task PipeAsync(TcpClient inbound)
    {
        using var outbound = new TcpClient();
        lock (_connections)
        {
            _connections.Add(inbound);
            _connections.Add(outbound);
        }

        try
        {
            using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(_cut.Token, _blackHole.Token);
            if (!_blackHole.IsCancellationRequested)
            {
                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, forwarding.Token);
                // The streams are the clients' (disposed with them below), so a black hole leaves them open.
                var a = inbound.GetStream();
                var b = outbound.GetStream();
                await Task.WhenAny(a.CopyToAsync(b, forwarding.Token), b.CopyToAsync(a, forwarding.Token));
            }

            if (_blackHole.IsCancellationRequested)
            {
                // Black-holed: keep the connection open, unanswered, until the proxy is cut or disposed.
                await Task.Delay(Timeout.Infinite, _cut.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(inbound);
                _connections.Remove(outbound);
            }

            inbound.Dispose();
        }
    }
}
