using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using TaskScheduler.TestSupport;
using Xunit;

// One SelfHost, one agent and one browser on two cores: the browser tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TaskScheduler.Dashboard.Tests;

/// <summary>
/// SelfHost on the test Azurite with a real agent, and headless Chromium (the system's own, from Debian's packages)
/// driven by Playwright. Fails at once, saying what is missing, when Chromium is not installed.
/// </summary>
public sealed class DashboardSystem : IAsyncLifetime
{
    /// <summary>Where the system's Chromium is; <c>TASKSCHEDULER_CHROMIUM</c> overrides.</summary>
    public static string ChromiumPath { get; } = Environment.GetEnvironmentVariable("TASKSCHEDULER_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Screenshots of each view, for people to look at (artifacts/ is not committed).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepoPaths.Root, "artifacts", "dashboard-screenshots");

    private static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Scheduler__HeartbeatIntervalSeconds"] = "1",
        ["Scheduler__WorkerOfflineAfterSeconds"] = "10",
        ["SweepLostWorkersSchedule"] = "* * * * * *",
        ["DurableTask__MaxQueuePollingIntervalMs"] = "200",

        // A tier small enough for the dashboard to be throttled in a test.
        ["Auth__Tiers__tiny__Limit"] = "4",
        ["Auth__Tiers__tiny__WindowSeconds"] = "3600",
    };

    private SelfHostProcess? _host;
    private AgentProcess? _agent;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public SelfHostProcess Host => _host!;

    public HttpClient Api => Host.Client;

    public AgentProcess Agent => _agent!;

    public IBrowser Browser => _browser!;

    /// <summary>The key a person signs in with: tasks:read and tasks:write, not admin.</summary>
    public string PersonKey { get; private set; } = string.Empty;

    /// <summary>The dashboard's address on this SelfHost.</summary>
    public string DashboardUrl => $"http://127.0.0.1:{Host.Port}/api/dashboard/";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}: run scripts/test.sh (which installs Debian's chromium) or apt-get install chromium.");
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        _host = await SelfHostProcess.StartAsync(Settings);
        PersonKey = await Api.CreateApiKeyAsync("dashboard person", ["tasks:read", "tasks:write"], "internal");
        var agentKey = await Api.CreateApiKeyAsync("dashboard agent", ["workers"], "internal");
        _agent = AgentProcess.Start(Host.BaseAddress, Host.Prefix, agentKey, slots: 3);

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>A fresh browser tab (its own session storage) at the given viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1366, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => ConsoleErrors.Add(error);
        return page;
    }

    /// <summary>Errors the pages wrote to the console (a CSP violation shows up here).</summary>
    public List<string> ConsoleErrors { get; } = [];

    /// <summary>A new tab, signed in with <paramref name="key"/> (default <see cref="PersonKey"/>) through the sign-in form, at <paramref name="route"/>.</summary>
    public async Task<IPage> SignedInPageAsync(string route = "#/overview", int width = 1366, int height = 900, string? key = null)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync(DashboardUrl + route);
        await page.GetByLabel("API key").FillAsync(key ?? PersonKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sign-out")).ToBeVisibleAsync();
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task<JsonElement> TaskAsync(string id)
    {
        var (status, body) = await Api.GetJsonAsync($"tasks/{id}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    public Task<JsonElement> WaitForStatusAsync(string id, string status, int seconds = 60) =>
        Poll.UntilAsync(() => TaskAsync(id), t => t.GetProperty("status").GetString() == status, TimeSpan.FromSeconds(seconds), $"{id} to be {status}");

    public async Task<string> CreateAsync(object body) => (await Api.CreateTaskAsync(body)).GetProperty("id").GetString()!;
}
