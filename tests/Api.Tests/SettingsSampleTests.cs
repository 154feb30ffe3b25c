using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// <c>local.settings.sample.json</c> lists every setting the Functions app reads: every property of every options
/// class it binds (nested classes and list or dictionary entries by example), and the settings read by name
/// (<see cref="AppSettingNames"/>), and nothing the app no longer reads.
/// </summary>
public class SettingsSampleTests
{
    [Fact]
    public void The_sample_lists_every_setting_the_app_reads()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var keys = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToList();

        var expected = AppSettingNames.FunctionsApp().ToList();
        var missing = expected.Where(name => !keys.Any(key => AppSettingNames.Matches(key, name))).ToList();

        Assert.True(missing.Count == 0, "local.settings.sample.json lacks: " + string.Join(", ", missing));
        var stale = keys.Where(key => !expected.Any(name => AppSettingNames.Matches(key, name))).ToList();
        Assert.True(stale.Count == 0, "local.settings.sample.json holds settings the app does not read: " + string.Join(", ", stale));

        // And every value binds (no "abc" where a number belongs, no empty string where a URI cannot be empty).
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(sample.RootElement.GetProperty("Values").EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value.GetString()))).Build();
        foreach (var (section, type) in AppSettingNames.BoundOptions)
        {
            Assert.NotNull(configuration.GetSection(section).Get(type));
        }
    }
}
