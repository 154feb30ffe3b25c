using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using TaskScheduler.Core.Events;
using TaskScheduler.Core.Hosting;
using TaskScheduler.Core.Storage;
using TaskScheduler.Functions.Http;
using TaskScheduler.Functions.Timers;
using TaskScheduler.SelfHost;
using TaskScheduler.SelfHost.Durable;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// What the Functions host would run, read from the built app (functions.metadata, host.json in the output, the
/// trigger attributes), against what SelfHost runs with the same settings: queue names, schedules, Durable settings,
/// throttles and route order. Every difference fails, except the few in <see cref="DocumentedDurableDifferences"/>,
/// each of which docs/deploy.md lists with its reason.
/// </summary>
public class HostConfigurationParityTests
{
    private static readonly JsonDocumentOptions HostJsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>host.json's durableTask keys that SelfHost sets differently on purpose (one process, a short poll for tests).</summary>
    private static readonly Dictionary<string, string> DocumentedDurableDifferences = new(StringComparer.Ordinal)
    {
        ["storageProvider.partitionCount"] = "SelfHost is one process: DurableTask__PartitionCount, default 1",
        ["storageProvider.maxQueuePollingInterval"] = "SelfHost: DurableTask__MaxQueuePollingIntervalMs, default 250",
        ["maxConcurrentActivityFunctions"] = "SelfHost: DurableTask__MaxConcurrentActivities, default 64",
        ["maxConcurrentOrchestratorFunctions"] = "SelfHost: DurableTask__MaxConcurrentOrchestrations, default 64",
    };

    private static JsonElement[] Functions()
    {
        var path = RepoPaths.Output("Functions", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build the Functions app first");
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        return [.. metadata.RootElement.EnumerateArray().Select(f => f.Clone())];
    }

    private static JsonElement Trigger(string function) =>
        Functions().Single(f => f.GetProperty("name").GetString() == function).GetProperty("bindings").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    private static JsonElement BuiltHostJson()
    {
        var path = RepoPaths.Output("Functions", "host.json");
        Assert.True(File.Exists(path), $"{path} is missing: build the Functions app first");
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(path));
        using var hostJson = JsonDocument.Parse(File.ReadAllText(path), HostJsonOptions);
        return hostJson.RootElement.Clone();
    }

    /// <summary>The app settings of local.settings.sample.json, as configuration (<c>__</c> becomes <c>:</c>).</summary>
    private static IConfiguration SampleSettings(IDictionary<string, string?>? overrides = null)
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>What the Functions host does with a <c>%name%</c> expression: the app setting of that exact name.</summary>
    private static string Resolve(IConfiguration settings, string expression)
    {
        Assert.Matches("^%[A-Za-z0-9_]+%$", expression);
        return settings[expression.Trim('%')] ?? throw new Xunit.Sdk.XunitException($"{expression} does not resolve: the host would not load the function");
    }

    private static TriggerOptions TriggerOptionsOf(IConfiguration settings) => settings.Get<TriggerOptions>() ?? new TriggerOptions();

    [Theory]
    [InlineData("")]
    [InlineData("run42")]
    public void The_outbox_trigger_listens_where_the_producers_write_and_SelfHost_reads(string prefix)
    {
        var settings = SampleSettings(new Dictionary<string, string?>
        {
            ["Scheduler:StoragePrefix"] = prefix,
            [nameof(TriggerOptions.EventsOutboxQueue)] = prefix + EventQueues.Outbox,
        });
        var trigger = Trigger(EventOutboxService.QueueFunction);

        var functionsQueue = Resolve(settings, trigger.GetProperty("queueName").GetString()!);
        var selfHostQueue = TriggerOptionsOf(settings).OutboxQueueFor(prefix);
        Assert.Equal(prefix + EventQueues.Outbox, functionsQueue);
        Assert.Equal(functionsQueue, selfHostQueue);
        Assert.Equal(StorageConnection.SettingName, trigger.GetProperty("connection").GetString());
    }

    [Fact]
    public void An_outbox_setting_that_is_not_where_the_producers_write_fails_the_start()
    {
        var settings = SampleSettings(new Dictionary<string, string?> { ["Scheduler:StoragePrefix"] = "run42" });
        var validator = new TriggerOptionsValidator(Microsoft.Extensions.Options.Options.Create(new StorageOptions { StoragePrefix = "run42" }), settings);

        var result = validator.Validate(null, TriggerOptionsOf(settings));

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("EventsOutboxQueue is 'events-outbox' but events are written to 'run42events-outbox'", StringComparison.Ordinal));
    }

    [Fact]
    public void The_timers_run_on_the_schedules_SelfHost_runs_its_jobs_on()
    {
        var settings = SampleSettings();
        var selfHost = MaintenanceService.Schedules(TriggerOptionsOf(settings));
        var attributes = typeof(MaintenanceTimers).GetMethods()
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .ToDictionary(
                m => m.GetCustomAttribute<FunctionAttribute>()!.Name,
                m => m.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).Single(a => a is not null)!.Schedule);

        Assert.Equal(MaintenanceService.TimerFunctions.Order(), attributes.Keys.Order());
        foreach (var function in MaintenanceService.TimerFunctions)
        {
            var expression = Trigger(function).GetProperty("schedule").GetString()!;
            Assert.Equal(attributes[function], expression);
            Assert.Equal(selfHost[function], Resolve(settings, expression));
            Assert.NotNull(TriggerOptionsValidator.TryParse(Resolve(settings, expression)));
        }

        // The defaults SelfHost falls back to are the sample's (and function-app.bicep's) values.
        Assert.Equal(selfHost, MaintenanceService.Schedules(new TriggerOptions()));
    }

    [Fact]
    public void The_queue_extension_settings_are_SelfHost_outbox_loops()
    {
        var queues = BuiltHostJson().GetProperty("extensions").GetProperty("queues");
        Assert.Equal(EventOutboxService.Batch, queues.GetProperty("batchSize").GetInt32());
        Assert.Equal(EventOutboxService.MaxPollingInterval, TimeSpan.Parse(queues.GetProperty("maxPollingInterval").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        // Our producers write plain JSON and SelfHost reads the text as it is.
        Assert.Equal("none", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal("String", Trigger(EventOutboxService.QueueFunction).GetProperty("dataType").GetString());
    }

    [Fact]
    public void The_http_throttles_are_the_ones_SelfHost_applies_and_nothing_else_throttles()
    {
        var http = BuiltHostJson().GetProperty("extensions").GetProperty("http");
        var selfHost = HttpThrottles.From(SampleSettings(), RepoPaths.Output("SelfHost", "host.json"));

        Assert.Equal(new HttpThrottles(http.GetProperty("maxConcurrentRequests").GetInt32(), http.GetProperty("maxOutstandingRequests").GetInt32()), selfHost);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), File.ReadAllText(RepoPaths.Output("SelfHost", "host.json")));

        // Dynamic throttles (429 on high CPU or memory) have no SelfHost counterpart: they must be off, said out loud.
        Assert.False(http.GetProperty("dynamicThrottlesEnabled").GetBoolean());
        Assert.Equal(FunctionEndpoints.RoutePrefix, http.GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void The_durable_settings_match_SelfHost_except_the_documented_differences()
    {
        var durable = BuiltHostJson().GetProperty("extensions").GetProperty("durableTask");
        var keys = Flatten(durable).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

        // What SelfHost does too (DurableSidecarHost, SidecarCompatOrchestrationService), key by key.
        var same = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["hubName"] = "%TaskHubName%",
            ["storageProvider.type"] = "AzureStorage",
            ["storageProvider.connectionName"] = "AzureWebJobsStorage",
            ["storageProvider.controlQueueBatchSize"] = "32",
            ["extendedSessionsEnabled"] = "False",
            ["throwStatusExceptionsOnRaiseEvent"] = "True",
        };
        foreach (var key in keys.Keys)
        {
            Assert.True(same.ContainsKey(key) || DocumentedDurableDifferences.ContainsKey(key),
                $"host.json durableTask.{key} is new: make SelfHost do the same and list it here, or document why it differs");
        }

        foreach (var (key, value) in same)
        {
            Assert.True(keys.TryGetValue(key, out var actual), $"host.json lacks durableTask.{key}");
            Assert.Equal(value, actual);
        }

        Assert.Equal("TaskScheduler", SampleSettings()["TaskHubName"]);
        Assert.Equal(1, new DurableEngineOptions().PartitionCount);
    }

    [Fact]
    public void The_unmatched_route_function_is_tried_last_by_the_Functions_host()
    {
        // The host orders HTTP routes by function name, not precedence (Azure/azure-functions-host#9876).
        var names = Functions().Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.GetProperty("type").GetString() == "httpTrigger"))
            .Select(f => f.GetProperty("name").GetString()!).ToList();
        Assert.Contains(UnmatchedRouteApi.FunctionName, names);
        Assert.Equal(UnmatchedRouteApi.FunctionName, names.Order(StringComparer.Ordinal).Last());
        Assert.Equal(UnmatchedRouteApi.FunctionName, names.Order(StringComparer.OrdinalIgnoreCase).Last());
        Assert.Equal("{*rest}", Trigger(UnmatchedRouteApi.FunctionName).GetProperty("route").GetString());
        Assert.Equal(7, Trigger(UnmatchedRouteApi.FunctionName).GetProperty("methods").GetArrayLength());
    }

    private static IEnumerable<KeyValuePair<string, string>> Flatten(JsonElement element, string prefix = "")
    {
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix + property.Name;
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var inner in Flatten(property.Value, key + "."))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return KeyValuePair.Create(key, property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? property.Value.GetBoolean().ToString()
                    : property.Value.ToString());
            }
        }
    }
}
