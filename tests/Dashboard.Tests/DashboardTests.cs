using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TaskScheduler.TestSupport;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace TaskScheduler.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser against SelfHost, Azurite and a real agent: what a person does with it, through
/// the page only (the API is used just to set the scene). Every wait is an expectation with a deadline.
/// </summary>
public sealed partial class DashboardTests(DashboardSystem system) : IClassFixture<DashboardSystem>
{
    private static readonly LocatorAssertionsToHaveTextOptions Long = new() { Timeout = 60_000 };

    // The app changes only the hash after an API call: poll the address (no load event to wait for), and give a
    // create on a loaded machine the same minute as the other slow steps.
    private static readonly PageAssertionsToHaveURLOptions NavigationTimeout = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_bad_key_is_refused_and_a_good_one_opens_the_overview_with_status_counts_queues_and_charts()
    {
        var page = await system.NewPageAsync();
        await page.GotoAsync(system.DashboardUrl);
        await page.GetByLabel("API key").FillAsync("tsk_000000000000_not-a-real-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#api-key-error")).ToContainTextAsync("refused");

        await page.GetByLabel("API key").FillAsync(system.PersonKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#system-status")).ToHaveTextAsync("healthy");
        await Expect(page.Locator("#task-counts li")).ToHaveCountAsync(6);
        await Expect(page.Locator("#queue-depths dd")).ToHaveCountAsync(3);
        foreach (var chart in new[] { "#chart-completion", "#chart-errors", "#chart-duration" })
        {
            await Expect(page.Locator($"{chart} svg path.line")).ToHaveCountAsync(1);
            await Expect(page.Locator(chart)).ToHaveAttributeAsync("data-points", "24");
        }

        await page.Locator("[data-period=day]").ClickAsync();
        await Expect(page.Locator("#chart-completion")).ToHaveAttributeAsync("data-points", "30");
        await Expect(page.Locator("[data-period=day]")).ToHaveAttributeAsync("aria-pressed", "true");

        // The key lives in the tab's session storage, never in the address.
        Assert.DoesNotContain(system.PersonKey, page.Url, StringComparison.Ordinal);
        Assert.Equal(system.PersonKey, await page.EvaluateAsync<string>("sessionStorage.getItem('taskscheduler.apiKey')"));
        await DashboardSystem.ScreenshotAsync(page, "overview");

        // The header links the API's OpenAPI document, which needs no credential.
        var document = await page.Context.APIRequest.GetAsync(await page.Locator("#api-doc").EvaluateAsync<string>("a => a.href"));
        Assert.Equal(200, document.Status);
        Assert.Equal("3.1.0", (await document.JsonAsync())?.GetProperty("openapi").GetString());

        await page.Locator("#sign-out").ClickAsync();
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('taskscheduler.apiKey')"));
        await page.Context.CloseAsync();
        Assert.DoesNotContain(system.ConsoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_task_created_from_the_form_shows_validation_beside_the_field_then_completes_with_its_log_line()
    {
        var page = await system.SignedInPageAsync("#/create");
        await page.GetByLabel("Name").FillAsync("from the dashboard");
        await page.GetByLabel("Command").FillAsync("echo dashboard-says-hello");
        await page.GetByLabel("Priority").FillAsync("11");
        await page.GetByLabel("Tags").FillAsync("dashboard, ui");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Expect(page.Locator("#field-priority-error")).ToContainTextAsync("10");
        await Expect(page.GetByLabel("Priority")).ToHaveAttributeAsync("aria-invalid", "true");
        await DashboardSystem.ScreenshotAsync(page, "create-validation");

        await page.GetByLabel("Priority").FillAsync("8");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(TaskUrl(), NavigationTimeout);
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("completed", Long);
        await Expect(page.Locator("#log-lines")).ToContainTextAsync("dashboard-says-hello", new() { Timeout = 30_000 });
        await Expect(page.Locator("#task-result")).ToContainTextAsync("dashboard-says-hello");
        await Expect(page.Locator("#attempts tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#attempts tbody tr").First).ToContainTextAsync(system.Agent.WorkerId);
        await Expect(page.Locator("#attempts tbody tr").First).ToContainTextAsync("completed");

        // The level filter asks the API for that level only.
        await page.Locator("#log-level").SelectOptionAsync("warn");
        await Expect(page.Locator("#log-lines li")).ToHaveCountAsync(0);
        await page.Locator("#log-level").SelectOptionAsync("info");
        await Expect(page.Locator("#log-lines")).ToContainTextAsync("dashboard-says-hello");
        await DashboardSystem.ScreenshotAsync(page, "task-detail");

        // A refusal says why: a completed task cannot be cancelled.
        await page.Locator("#cancel-task").ClickAsync();
        await Expect(page.Locator("#action-result")).ToContainTextAsync("Cancel refused (409 conflict)");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_running_task_is_cancelled_from_its_page()
    {
        var id = await system.CreateAsync(new { name = "long sleeper", command = "sleep 60" });
        await system.WaitForStatusAsync(id, "running");
        var page = await system.SignedInPageAsync($"#/tasks/{id}");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("running");
        await Expect(page.Locator("#log-info")).ToContainTextAsync("following");
        await page.Locator("#cancel-task").ClickAsync();
        await Expect(page.Locator("#action-result")).ToContainTextAsync("Cancel: done");
        await Expect(page.Locator("#task-status")).ToHaveTextAsync("cancelled");
        await Expect(page.Locator("#log-lines")).ToContainTextAsync("Cancelled by request.");
        Assert.Equal("cancelled", (await system.TaskAsync(id)).GetProperty("status").GetString());
        await DashboardSystem.ScreenshotAsync(page, "task-cancelled");

        // Retry is allowed for a cancelled task, and delete asks first.
        await page.Locator("#delete-task").ClickAsync();
        await Expect(page.Locator("#confirm-delete")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("#/tasks$"), NavigationTimeout);
        await Expect(page.Locator("#notice")).ToContainTextAsync("deleted");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Three_dependent_tasks_are_drawn_as_a_graph_of_links_coloured_by_status()
    {
        var first = await system.CreateAsync(new { name = "graph first", command = "echo first" });
        var second = await system.CreateAsync(new { name = "graph second", command = "echo second", dependencies = new[] { first } });
        var third = await system.CreateAsync(new { name = "graph third", command = "echo third", dependencies = new[] { second } });
        await system.WaitForStatusAsync(third, "completed");

        var page = await system.SignedInPageAsync($"#/tasks/{second}");
        var graph = page.Locator("#dependency-graph");
        await Expect(graph).ToHaveAttributeAsync("data-nodes", "3");
        await Expect(graph).ToHaveAttributeAsync("data-edges", "2");
        foreach (var id in new[] { first, second, third })
        {
            var node = graph.Locator($"a[data-task-id='{id}']");
            await Expect(node).ToHaveAttributeAsync("href", $"#/tasks/{id}");
            await Expect(node).ToHaveAttributeAsync("data-status", "completed");
            await Expect(node).ToHaveClassAsync(new Regex("status-completed"));
        }

        await page.GotoAsync(system.DashboardUrl + $"#/tasks/{second}/graph");
        await Expect(page.Locator("#dependency-graph")).ToHaveAttributeAsync("data-nodes", "3");
        await DashboardSystem.ScreenshotAsync(page, "dependencies");

        await page.Locator($"#dependency-graph a[data-task-id='{third}']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"#/tasks/{third}$"), NavigationTimeout);
        await Expect(page.Locator("h1")).ToHaveTextAsync("graph third");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_agent_is_shown_with_its_heartbeat_and_resources()
    {
        var page = await system.SignedInPageAsync("#/workers");
        var card = page.Locator($"[data-worker-id='{system.Agent.WorkerId}']");
        await Expect(card).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(card.Locator(".heartbeat")).ToHaveTextAsync(new Regex(@"\d+ s ago"));
        await Expect(card.Locator("meter")).ToHaveCountAsync(3);
        await Expect(card).ToContainTextAsync(new Regex("active|idle"));
        await DashboardSystem.ScreenshotAsync(page, "workers");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_task_list_pages_filters_and_refreshes_live_without_losing_the_page()
    {
        var tag = "page" + Guid.NewGuid().ToString("N")[..8];
        var later = DateTimeOffset.UtcNow.AddDays(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 25; i++)
        {
            await system.CreateAsync(new { name = $"listed {i:00}", command = "true", tags = new[] { tag }, scheduled_at = later });
        }

        var page = await system.SignedInPageAsync($"#/tasks?tag={tag}&limit=10");
        await Expect(page.Locator("#task-table tbody tr")).ToHaveCountAsync(10);
        await Expect(page.Locator("#task-summary")).ToHaveTextAsync("25 tasks, page 1 of 3");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next ›" }).ClickAsync();
        await Expect(page.Locator("#task-summary")).ToHaveTextAsync("25 tasks, page 2 of 3");
        await Expect(page.Locator("#task-table tbody tr").First).ToContainTextAsync("listed 14");

        // A new task appears in the counts on the next refresh; the person stays on page 2.
        await system.CreateAsync(new { name = "listed 25", command = "true", tags = new[] { tag }, scheduled_at = later });
        await Expect(page.Locator("#task-summary")).ToHaveTextAsync("26 tasks, page 2 of 3", new() { Timeout = 20_000 });
        Assert.Contains("page=2", page.Url, StringComparison.Ordinal);
        await DashboardSystem.ScreenshotAsync(page, "tasks");

        await page.Locator("#filter-sort").SelectOptionAsync("name");
        await Expect(page.Locator("#task-summary")).ToHaveTextAsync("26 tasks, page 1 of 3");
        await Expect(page.Locator("#task-table tbody tr").First).ToContainTextAsync("listed 25");
        await page.Locator("#filter-status").SelectOptionAsync("completed");
        await Expect(page.Locator("#task-table tbody")).ToContainTextAsync("No tasks match.");
        await page.Context.CloseAsync();

        // The same list on a phone-sized screen.
        var phone = await system.SignedInPageAsync($"#/tasks?tag={tag}&limit=10", width: 390, height: 844);
        await Expect(phone.Locator("#task-table tbody tr")).ToHaveCountAsync(10);
        await DashboardSystem.ScreenshotAsync(phone, "tasks-phone");
        await phone.Context.CloseAsync();
    }

    [Fact]
    public async Task A_revoked_key_returns_to_sign_in_and_a_throttled_one_shows_when_to_retry()
    {
        var (_, created) = await system.Api.PostJsonAsync("keys", new { name = "soon revoked", scopes = new[] { "tasks:read" }, tier = "internal" });
        var revoked = created.GetProperty("data");
        var page = await system.SignedInPageAsync("#/tasks", key: revoked.GetProperty("key").GetString());
        await Expect(page.Locator("#task-table")).ToBeVisibleAsync();
        await system.Api.PostJsonAsync($"keys/{revoked.GetProperty("id").GetString()}/revoke", null);
        await page.GetByRole(AriaRole.Link, new() { Name = "Workers" }).ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("The API refused the key");
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        var tiny = await system.Api.CreateApiKeyAsync("throttled person", ["tasks:read"], "tiny");
        var throttled = await system.SignedInPageAsync("#/overview", key: tiny);
        await Expect(throttled.Locator("#notice")).ToContainTextAsync(new Regex(@"Rate limited: .* Retry after \d+ s\."));
        await DashboardSystem.ScreenshotAsync(throttled, "rate-limited");
        await throttled.Context.CloseAsync();
    }

    [Fact]
    public async Task The_dashboard_can_be_used_with_the_keyboard_alone()
    {
        var page = await system.NewPageAsync();
        await page.GotoAsync(system.DashboardUrl + "#/workers");
        await Expect(page.GetByLabel("API key")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(system.PersonKey);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Workers");

        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
        await page.Locator("[data-period=week]").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator("#chart-completion")).ToHaveAttributeAsync("data-points", "12");
        await Expect(page.Locator("[data-period=week]")).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_schedules_view_shows_next_fire_times_pauses_and_runs_a_schedule_now()
    {
        var (status, created) = await system.Api.PostJsonAsync("schedules", new { name = "dashboard yearly", cron = "0 0 1 1 *", timezone = "Europe/Berlin", task = new { name = "new year", command = "echo happy" } });
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        var id = created.GetProperty("data").GetProperty("id").GetString()!;

        var page = await system.SignedInPageAsync("#/schedules");
        var row = page.Locator($"tr[data-schedule-id='{id}']");
        await Expect(row).ToContainTextAsync("cron 0 0 1 1 * (Europe/Berlin)");
        await Expect(row.Locator(".badge")).ToHaveTextAsync("active");
        await Expect(row.Locator(".next-fire")).ToHaveAttributeAsync("title", created.GetProperty("data").GetProperty("next_fire_at").GetString()!);

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("paused");
        await row.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Expect(page.Locator("section[aria-label='Recent runs'] li")).ToHaveCountAsync(1);
        await Expect(page.Locator("section[aria-label='Recent runs'] li").First).ToContainTextAsync("completed", new() { Timeout = 60_000 });
        await DashboardSystem.ScreenshotAsync(page, "schedules");
        await page.Context.CloseAsync();
    }

    [GeneratedRegex("#/tasks/task-[0-9a-f]+$")]
    private static partial Regex TaskUrl();
}
