using System.Reflection;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// Keeps the documentation honest: the README stays a front door (at most 8 KiB, linking every page of docs/), every
/// relative link and anchor in the README, docs/ and bench/README.md leads somewhere, and the settings tables list
/// exactly the settings the code, local.settings.sample.json and the appsettings.json files define. No storage: it
/// reads files and the options classes only.
/// </summary>
public sealed class DocumentationTests
{
    private const int ReadmeBudgetBytes = 8192;

    /// <summary>Where the settings tables live, and the header row each begins with.</summary>
    private const string SettingsPage = "docs/operations.md";
    private const string SettingsHeader = "| setting | meaning | local value |";
    private const string AgentPage = "docs/agent.md";
    private const string AgentHeader = "| setting | meaning | default |";

    private static string[] Pages() =>
    [
        "README.md", "bench/README.md",
        .. Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Order(StringComparer.Ordinal)
            .Select(path => Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/')),
    ];

    private static MarkdownPage Page(string relativePath) => MarkdownPage.Read(Path.Combine(RepoPaths.Root, relativePath));

    [Fact]
    public void The_README_is_at_most_8_KiB_and_links_every_page_of_docs()
    {
        var readme = Path.Combine(RepoPaths.Root, "README.md");
        var size = new FileInfo(readme).Length;
        Assert.True(size <= ReadmeBudgetBytes, $"README.md is {size} bytes, over its budget of {ReadmeBudgetBytes}: move the detail to docs/ and link it");

        var linked = Page("README.md").LinkTargets().Select(target => target.Split('#')[0]).ToHashSet(StringComparer.Ordinal);
        var unlinked = Pages().Where(page => page != "README.md" && !linked.Contains(page)).ToList();
        Assert.True(unlinked.Count == 0, "README.md does not link: " + string.Join(", ", unlinked));
    }

    [Fact]
    public void Every_relative_link_leads_to_a_file_of_the_repository_and_every_anchor_to_a_heading()
    {
        var broken = new List<string>();
        foreach (var page in Pages())
        {
            var source = Path.Combine(RepoPaths.Root, page);
            foreach (var target in Page(page).LinkTargets().Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith("mailto:", StringComparison.Ordinal)))
            {
                var (file, anchor) = target.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0
                    ? (target[..hash], target[(hash + 1)..])
                    : (target, null);
                var resolved = file.Length == 0 ? source : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, Uri.UnescapeDataString(file)));
                if (!resolved.StartsWith(RepoPaths.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    broken.Add($"{page}: {target} leaves the repository");
                }
                else if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    broken.Add($"{page}: {target} (no such file)");
                }
                else if (anchor is not null && !(resolved.EndsWith(".md", StringComparison.Ordinal) && MarkdownPage.Read(resolved).Anchors().Contains(anchor)))
                {
                    broken.Add($"{page}: {target} (no such heading)");
                }
            }
        }

        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void The_settings_table_lists_exactly_the_settings_the_code_the_sample_and_SelfHost_define()
    {
        var table = SettingNamesIn(SettingsPage, SettingsHeader);
        var code = AppSettingNames.FunctionsApp().Concat(AppSettingNames.SelfHostOnly()).ToHashSet(StringComparer.Ordinal);
        var files = SampleKeys().Concat(JsonFileKeys("src/SelfHost/appsettings.json")).ToList();

        AssertSameSettings(SettingsPage, table, code, files);
    }

    [Fact]
    public void The_agent_settings_table_lists_exactly_the_agents_options()
    {
        // The agent is not referenced by this project (two hosts' appsettings.json in one output folder would
        // collide): its options class is read from its build output instead.
        var agent = Assembly.LoadFrom(RepoPaths.Output("WorkerAgent", "TaskScheduler.WorkerAgent.dll"));
        var options = agent.GetType("TaskScheduler.WorkerAgent.AgentOptions", throwOnError: true)!;
        var section = (string)options.GetField("SectionName")!.GetValue(null)!;

        var table = SettingNamesIn(AgentPage, AgentHeader);
        var code = AppSettingNames.Of(section, options).Append("Logging__LogLevel__*").ToHashSet(StringComparer.Ordinal);
        AssertSameSettings(AgentPage, table, code, JsonFileKeys("src/WorkerAgent/appsettings.json"));
    }

    private static void AssertSameSettings(string page, HashSet<string> table, HashSet<string> code, IEnumerable<string> fileKeys)
    {
        var missing = code.Except(table).Order(StringComparer.Ordinal).ToList();
        var gone = table.Except(code).Order(StringComparer.Ordinal).ToList();
        var unlisted = fileKeys.Where(key => !table.Any(name => AppSettingNames.Matches(key, name))).ToList();

        Assert.True(missing.Count + gone.Count + unlisted.Count == 0,
            $"{page}'s settings table lacks settings the code reads: [{string.Join(", ", missing)}]; " +
            $"lists settings the code does not read: [{string.Join(", ", gone)}]; " +
            $"lacks settings of the sample or appsettings.json: [{string.Join(", ", unlisted)}]");
    }

    /// <summary>
    /// The setting names in the first column of a table, as app settings (<c>:</c> written as <c>__</c>, a
    /// <c>{placeholder}</c> segment as <c>*</c>). A name written from its separator on (<c>`__Secret`</c>)
    /// continues the cell's last full name: <c>`Events__Webhooks__{n}__Url` / `__Secret`</c>.
    /// </summary>
    private static HashSet<string> SettingNamesIn(string page, string header)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cell in Page(page).FirstColumnOf(header))
        {
            string? full = null;
            foreach (var token in cell.Split('`').Where((_, i) => i % 2 == 1).Select(t => t.Replace(":", "__", StringComparison.Ordinal)))
            {
                string name;
                if (token.StartsWith("__", StringComparison.Ordinal))
                {
                    Assert.True(full is not null, $"{page}: `{token}` continues no name in: {cell}");
                    name = full![..full.LastIndexOf("__", StringComparison.Ordinal)] + token;
                }
                else
                {
                    name = full = token;
                }

                names.Add(string.Join("__", name.Split("__").Select(segment => segment.StartsWith('{') && segment.EndsWith('}') ? "*" : segment)));
            }
        }

        return names;
    }

    private static IEnumerable<string> SampleKeys()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        return [.. sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name)];
    }

    private static List<string> JsonFileKeys(string relativePath)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, relativePath)));
        return [.. AppSettingNames.JsonKeys(json.RootElement)];
    }
}
