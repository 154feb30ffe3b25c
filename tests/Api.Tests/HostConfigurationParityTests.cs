using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
/// each of which SelfHost states with its reason in code (<see cref="DurableEngineOptions.ReadHostJson"/>) and
/// docs/deploy.md lists.
/// </summary>
public class HostConfigurationParityTests
{
    private static readonly JsonDocumentOptions HostJsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// host.json's durableTask keys that SelfHost sets differently on purpose (one process; a short poll), with the
    /// value it runs with: each is stated with its reason in <see cref="DurableEngineOptions.ReadHostJson"/>.
    /// </summary>
    private static readonly Dictionary<string, string> DocumentedDurableDifferences = new(StringComparer.Ordinal)
    {
        ["storageProvider.partitionCount"] = "1",
        ["storageProvider.maxQueuePollingInterval"] = "00:00:00.2500000",
        ["maxConcurrentActivityFunctions"] = "64",
        ["maxConcurrentOrchestratorFunctions"] = "64",
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
    public void The_durable_settings_are_SelfHost_engine_settings_except_the_documented_differences()
    {
        var durable = BuiltHostJson().GetProperty("extensions").GetProperty("durableTask");
        var keys = Flatten(durable).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var settings = SampleSettings();
        var (options, engine) = SelfHostDurable(settings, RepoPaths.Output("SelfHost", "host.json"));

        // What SelfHost's engine runs with, under host.json's names.
        var selfHost = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["hubName"] = engine.TaskHubName,
            ["storageProvider.type"] = "AzureStorage",
            ["storageProvider.connectionName"] = options.ConnectionName,
            ["storageProvider.partitionCount"] = engine.PartitionCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["storageProvider.maxQueuePollingInterval"] = engine.MaxQueuePollingInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["storageProvider.controlQueueBatchSize"] = engine.ControlQueueBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["extendedSessionsEnabled"] = engine.ExtendedSessionsEnabled.ToString(),
            ["throwStatusExceptionsOnRaiseEvent"] = "True",
            ["maxConcurrentActivityFunctions"] = engine.MaxConcurrentTaskActivityWorkItems.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["maxConcurrentOrchestratorFunctions"] = engine.MaxConcurrentTaskOrchestrationWorkItems.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in keys)
        {
            Assert.True(selfHost.ContainsKey(key), $"host.json durableTask.{key} is new: make SelfHost read it (DurableEngineOptions.ReadHostJson) and list it here");
            var expected = DocumentedDurableDifferences.TryGetValue(key, out var difference) ? difference
                : key == "hubName" ? Resolve(settings, value)
                : value;
            Assert.True(expected == selfHost[key], $"durableTask.{key}: SelfHost runs with {selfHost[key]}, expected {expected}");
        }

        Assert.Equal("TaskScheduler", engine.TaskHubName);
    }

    [Fact]
    public void SelfHost_takes_its_durable_settings_from_host_json_and_its_overrides()
    {
        var hostJson = Path.Combine(Path.GetTempPath(), $"host-{Guid.NewGuid():N}.json");
        File.WriteAllText(hostJson, """
            // As the Functions host reads it: comments and trailing commas allowed.
            {
              "extensions": {
                "durableTask": {
                  "hubName": "%OtherHub%",
                  "storageProvider": { "type": "AzureStorage", "connectionName": "OtherStorage", "partitionCount": 3,
                                       "maxQueuePollingInterval": "00:00:05", "controlQueueBatchSize": 17, },
                  "extendedSessionsEnabled": false,
                  "maxConcurrentActivityFunctions": 7,
                },
              },
            }
            """);
        try
        {
            var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OtherHub"] = "hubfromsetting",
                ["OtherStorage"] = "UseDevelopmentStorage=true",
            }).Build();
            var (options, engine) = SelfHostDurable(settings, hostJson);

            Assert.Equal("hubfromsetting", engine.TaskHubName);
            Assert.Equal("OtherStorage", options.ConnectionName);
            Assert.Equal(17, engine.ControlQueueBatchSize);
            Assert.False(engine.ExtendedSessionsEnabled);

            // SelfHost's stated differences, whatever host.json says.
            Assert.Equal(DurableEngineOptions.SelfHostPartitionCount, engine.PartitionCount);
            Assert.Equal(TimeSpan.FromMilliseconds(DurableEngineOptions.SelfHostMaxQueuePollingIntervalMs), engine.MaxQueuePollingInterval);
            Assert.Equal(DurableEngineOptions.SelfHostMaxConcurrentFunctions, engine.MaxConcurrentTaskActivityWorkItems);

            // An app setting overrides host.json as in the Functions host; SelfHost's own DurableTask__* override both.
            var overridden = new ConfigurationBuilder().AddConfiguration(settings).AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureFunctionsJobHost:extensions:durableTask:storageProvider:controlQueueBatchSize"] = "9",
                ["AzureFunctionsJobHost:extensions:durableTask:hubName"] = "literalhub",
                ["DurableTask:MaxQueuePollingIntervalMs"] = "200",
            }).Build();
            var (_, overriddenEngine) = SelfHostDurable(overridden, hostJson);
            Assert.Equal(9, overriddenEngine.ControlQueueBatchSize);
            Assert.Equal("literalhub", overriddenEngine.TaskHubName);
            Assert.Equal(TimeSpan.FromMilliseconds(200), overriddenEngine.MaxQueuePollingInterval);

            // What SelfHost's engine cannot do stops the start.
            File.WriteAllText(hostJson, """{ "extensions": { "durableTask": { "storageProvider": { "type": "mssql" } } } }""");
            var error = Assert.Throws<InvalidOperationException>(() => SelfHostDurable(settings, hostJson));
            Assert.Contains("storageProvider.type is 'mssql'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(hostJson);
        }
    }

    /// <summary>SelfHost's Durable options as its DI container builds them, and the engine settings made from them.</summary>
    private static (DurableEngineOptions Options, global::DurableTask.AzureStorage.AzureStorageOrchestrationServiceSettings Engine) SelfHostDurable(IConfiguration settings, string hostJsonPath)
    {
        using var services = new ServiceCollection()
            .AddSingleton(settings)
            .AddDurableEngineOptions(hostJsonPath)
            .BuildServiceProvider();
        var options = services.GetRequiredService<IOptions<DurableEngineOptions>>().Value;
        return (options, DurableSidecarHost.EngineSettings(options, settings[options.ConnectionName]!, NullLoggerFactory.Instance));
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
