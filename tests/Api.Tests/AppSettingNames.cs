using System.Collections;
using System.Reflection;
using System.Text.Json;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Workflow;
using TaskScheduler.SelfHost.Durable;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// The settings the code defines, named as app settings: <c>__</c> between sections, <c>*</c> for a list index or a
/// dictionary key (<c>Events__Webhooks__*__Url</c>). Derived from the options classes, so a property added or removed
/// changes them; settings read by name are listed here by hand.
/// </summary>
internal static class AppSettingNames
{
    /// <summary>The options classes the Functions app binds, with their sections (Core's AddSchedulerCore).</summary>
    public static readonly (string Section, Type Type)[] BoundOptions =
    [
        (StorageOptions.SectionName, typeof(StorageOptions)),
        (WorkflowOptions.SectionName, typeof(WorkflowOptions)),
        (EventOptions.SectionName, typeof(EventOptions)),
        (AuthOptions.SectionName, typeof(AuthOptions)),
    ];

    /// <summary>Settings read by name rather than through an options class.</summary>
    public static readonly string[] NamedSettings =
    [
        "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage", "TaskHubName", StorageConnection.SettingName,
        "Telemetry__Exporter", "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "AzureWebJobsDisableHomepage",

        // Bound from the root (TriggerOptions): the Functions host resolves them in the trigger attributes.
        nameof(TriggerOptions.EventsOutboxQueue), nameof(TriggerOptions.SweepLostWorkersSchedule),
        nameof(TriggerOptions.ReconcileTasksSchedule), nameof(TriggerOptions.PurgeHistorySchedule),
    ];

    /// <summary>Every setting the Functions app reads.</summary>
    public static IEnumerable<string> FunctionsApp() =>
        NamedSettings.Concat(BoundOptions.SelectMany(o => Of(o.Section, o.Type)));

    /// <summary>
    /// What SelfHost reads besides: its Durable engine's options, the Functions host's HTTP-throttle overrides it
    /// honours the same way (HttpThrottles), and the log levels of its appsettings.json.
    /// </summary>
    public static IEnumerable<string> SelfHostOnly() =>
        Of(DurableEngineOptions.SectionName, typeof(DurableEngineOptions)).Concat(
        [
            "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests",
            "AzureFunctionsJobHost__extensions__http__maxOutstandingRequests",
            "Logging__LogLevel__*",
        ]);

    /// <summary>A key matches a name where the name's <c>*</c> segments (list index, dictionary key) match any segment.</summary>
    public static bool Matches(string key, string name)
    {
        var keyParts = key.Split("__");
        var nameParts = name.Split("__");
        return keyParts.Length == nameParts.Length && nameParts.Zip(keyParts).All(p => p.First == "*" || p.First == p.Second);
    }

    /// <summary>The leaf keys of a JSON settings file, as app setting names.</summary>
    public static IEnumerable<string> JsonKeys(JsonElement element, string prefix = "")
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            yield return prefix;
            yield break;
        }

        foreach (var property in element.EnumerateObject())
        {
            foreach (var key in JsonKeys(property.Value, prefix.Length == 0 ? property.Name : prefix + "__" + property.Name))
            {
                yield return key;
            }
        }
    }

    /// <summary>The settings an options class bound at <paramref name="prefix"/> reads.</summary>
    public static IEnumerable<string> Of(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = prefix + "__" + property.Name;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                yield return name;
            }
            else if (propertyType.IsArray || (propertyType.IsGenericType && typeof(IEnumerable).IsAssignableFrom(propertyType)))
            {
                // A list or dictionary: its entries by example (Events__Webhooks__0__Url, Auth__Tiers__default__Limit).
                var element = propertyType.IsArray ? propertyType.GetElementType()! : propertyType.GetGenericArguments()[^1];
                if (IsScalar(element))
                {
                    yield return name + "__*";
                }
                else
                {
                    foreach (var inner in Of(name + "__*", element))
                    {
                        yield return inner;
                    }
                }
            }
            else
            {
                foreach (var inner in Of(name, propertyType))
                {
                    yield return inner;
                }
            }
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Uri) || type == typeof(decimal) || type == typeof(TimeSpan);
}
