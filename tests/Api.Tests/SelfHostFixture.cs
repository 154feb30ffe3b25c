using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>One SelfHost process per test class, on its own storage prefix.</summary>
public sealed class SelfHostFixture : IAsyncLifetime
{
    private SelfHostProcess? _host;

    public SelfHostProcess Host => _host ?? throw new InvalidOperationException("SelfHost is not started.");

    public HttpClient Client => Host.Client;

    public async Task InitializeAsync() => _host = await SelfHostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
