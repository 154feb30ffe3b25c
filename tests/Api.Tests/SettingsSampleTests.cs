using System.Collections;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Workflow;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// <c>local.settings.sample.json</c> lists every setting the Functions app reads: every property of every options
/// class it binds (nested classes and list or dictionary entries by example), and the settings read by name.
/// </summary>
public class SettingsSampleTests
{
    /// <summary>The options classes the Functions app binds, with their sections (Core's AddSchedulerCore).</summary>
    private static readonly (string Section, Type Type)[] BoundOptions =
    [
        (StorageOptions.SectionName, typeof(StorageOptions)),
        (WorkflowOptions.SectionName, typeof(WorkflowOptions)),
        (EventOptions.SectionName, typeof(EventOptions)),
        (AuthOptions.SectionName, typeof(AuthOptions)),
    ];

    /// <summary>Settings read by name rather than through an options class.</summary>
    private static readonly string[] NamedSettings =
    [
        "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage", "TaskHubName", StorageConnection.SettingName,
        "Telemetry__Exporter", "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "AzureWebJobsDisableHomepage",

        // Bound from the root (TriggerOptions): the Functions host resolves them in the trigger attributes.
        nameof(TriggerOptions.EventsOutboxQueue), nameof(TriggerOptions.SweepLostWorkersSchedule),
        nameof(TriggerOptions.ReconcileTasksSchedule), nameof(TriggerOptions.PurgeHistorySchedule),
    ];

    [Fact]
    public void The_sample_lists_every_setting_the_app_reads()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var keys = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToList();

        var expected = NamedSettings.Concat(BoundOptions.SelectMany(o => SettingNames(o.Section, o.Type))).ToList();
        var missing = expected.Where(name => !keys.Any(key => Matches(key, name))).ToList();

        Assert.True(missing.Count == 0, "local.settings.sample.json lacks: " + string.Join(", ", missing));

        // And every value binds (no "abc" where a number belongs, no empty string where a URI cannot be empty).
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(sample.RootElement.GetProperty("Values").EnumerateObject()
            .Select(p => KeyValuePair.Create(p.Name.Replace("__", ":", StringComparison.Ordinal), (string?)p.Value.GetString()))).Build();
        foreach (var (section, type) in BoundOptions)
        {
            Assert.NotNull(configuration.GetSection(section).Get(type));
        }
    }

    /// <summary>A key matches a name where the name's <c>*</c> segments (list index, dictionary key) match any segment.</summary>
    private static bool Matches(string key, string name)
    {
        var keyParts = key.Split("__");
        var nameParts = name.Split("__");
        return keyParts.Length == nameParts.Length && nameParts.Zip(keyParts).All(p => p.First == "*" || p.First == p.Second);
    }

    private static IEnumerable<string> SettingNames(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = prefix + "__" + property.Name;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                yield return name;
            }
            else if (propertyType.IsGenericType && typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                // A list or dictionary: its entries by example (Events__Webhooks__0__Url, Auth__Tiers__default__Limit).
                var element = propertyType.GetGenericArguments()[^1];
                if (IsScalar(element))
                {
                    yield return name + "__*";
                }
                else
                {
                    foreach (var inner in SettingNames(name + "__*", element))
                    {
                        yield return inner;
                    }
                }
            }
            else
            {
                foreach (var inner in SettingNames(name, propertyType))
                {
                    yield return inner;
                }
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Uri) || type == typeof(decimal) || type == typeof(TimeSpan);
}
