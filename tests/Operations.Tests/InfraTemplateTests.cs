using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Operations.Tests;

/// <summary>
/// The Bicep as Azure would receive it: infra/main.bicep compiled to ARM JSON by the pinned Bicep CLI (what-if needs
/// Azure; the compiled template is what a deployment sends), read against what the built app binds. Every setting
/// the Functions host or the app needs is set on the function app, every identity-based connection names the
/// user-assigned identity's client id, and the app is deployed after its role assignments.
/// </summary>
public sealed partial class InfraTemplateTests
{
    private const string IdentityClientId = "[parameters('identityClientId')]";

    private static readonly Lazy<JsonElement> Template = new(Compile);

    /// <summary>Settings the app reads by name in Azure that neither a binding nor a connection names.</summary>
    private static readonly string[] RequiredInAzure =
    [
        "Events__TopicEndpoint", "Events__ClientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "Auth__BootstrapAdminKey", "Auth__Jwt__SigningKey",
        "AzureWebJobsDisableHomepage",
    ];

    private static JsonElement Main => Template.Value;

    private static JsonElement Module(string name) => Main.GetProperty("resources").GetProperty(name);

    private static Dictionary<string, string> AppSettings() =>
        Module("api").GetProperty("properties").GetProperty("template").GetProperty("variables").GetProperty("appSettings")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    /// <summary>The <c>%name%</c> settings the Functions host resolves: in functions.metadata and in host.json.</summary>
    private static HashSet<string> BindingExpressions()
    {
        var metadata = File.ReadAllText(RepoPaths.Output("Functions", "functions.metadata"));
        var hostJson = File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json"));
        return [.. Expression().Matches(metadata + hostJson).Select(m => m.Groups[1].Value)];
    }

    /// <summary>The connections the host opens: the triggers' <c>connection</c>, the Durable provider's, and the host's own.</summary>
    private static HashSet<string> Connections()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(RepoPaths.Output("Functions", "functions.metadata")));
        var connections = new HashSet<string>(StringComparer.Ordinal) { "AzureWebJobsStorage" };
        foreach (var binding in metadata.RootElement.EnumerateArray().SelectMany(f => f.GetProperty("bindings").EnumerateArray()))
        {
            if (binding.TryGetProperty("connection", out var connection))
            {
                connections.Add(connection.GetString()!);
            }
        }

        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json")), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        connections.Add(hostJson.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("storageProvider").GetProperty("connectionName").GetString()!);
        return connections;
    }

    [Fact]
    public void Every_setting_the_app_binds_in_Azure_is_set_on_the_function_app()
    {
        var settings = AppSettings();
        var connections = Connections();
        Assert.Contains("SchedulerStorage", connections);

        var missing = BindingExpressions().Concat(RequiredInAzure).Where(name => !settings.ContainsKey(name)).ToList();
        Assert.True(missing.Count == 0, "function-app.bicep does not set: " + string.Join(", ", missing));

        foreach (var connection in connections)
        {
            Assert.True(settings.Keys.Any(k => k.StartsWith(connection + "__", StringComparison.Ordinal) && k.EndsWith("ServiceUri", StringComparison.Ordinal)),
                $"{connection}: no service URI, so the host cannot open it");
            Assert.False(settings.ContainsKey(connection), $"{connection} is a connection string; the deployment uses identities only");
        }

        // And nothing is set that the app does not read (a typo such as Events__ClientID would be ignored).
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var known = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = settings.Keys.Where(k => !known.Contains(k) && !connections.Any(c => k.StartsWith(c + "__", StringComparison.Ordinal))).ToList();
        Assert.True(unknown.Count == 0, "function-app.bicep sets settings the app does not read: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Every_identity_based_connection_names_the_user_assigned_identity()
    {
        var settings = AppSettings();
        foreach (var connection in Connections())
        {
            Assert.Equal("managedidentity", settings.GetValueOrDefault(connection + "__credential"));
            Assert.Equal(IdentityClientId, settings.GetValueOrDefault(connection + "__clientId"));
        }

        Assert.Equal(IdentityClientId, settings["Events__ClientId"]);
        Assert.DoesNotContain(settings.Keys, k => k.EndsWith("__TopicKey", StringComparison.Ordinal));
        Assert.Matches(@"^\[format\('ClientId=\{0\};Authorization=AAD', parameters\('identityClientId'\)\)\]$", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);

        // The client id passed in is the identity module's, and Key Vault references are resolved with that identity.
        var parameters = Module("api").GetProperty("properties").GetProperty("parameters");
        Assert.Equal("[reference('identity').outputs.clientId.value]", parameters.GetProperty("identityClientId").GetProperty("value").GetString());
        var site = Module("api").GetProperty("properties").GetProperty("template").GetProperty("resources").EnumerateArray()
            .Single(r => r.GetProperty("type").GetString() == "Microsoft.Web/sites");
        Assert.Equal("[parameters('identityId')]", site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());
    }

    [Fact]
    public void The_app_is_deployed_after_its_role_assignments()
    {
        var dependsOn = Module("api").GetProperty("dependsOn").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.Contains("rbac", dependsOn);

        // And those assignments are the app identity's, on every resource it reaches.
        var rbac = Module("rbac").GetProperty("properties");
        Assert.Equal("[reference('identity').outputs.principalId.value]", rbac.GetProperty("parameters").GetProperty("appPrincipalId").GetProperty("value").GetString());
        var scopes = rbac.GetProperty("template").GetProperty("resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments")
            .Select(r => r.Value.GetProperty("scope").GetString()!)
            .ToList();
        foreach (var type in new[] { "Microsoft.Storage/storageAccounts", "Microsoft.EventGrid/topics", "Microsoft.KeyVault/vaults", "Microsoft.Insights/components" })
        {
            Assert.Contains(scopes, s => s.Contains(type, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_region_is_one_that_offers_Flex_Consumption()
    {
        var allowed = Main.GetProperty("parameters").GetProperty("location").GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString()!).ToList();
        Assert.NotEmpty(allowed);
        Assert.All(allowed, region => Assert.Matches("^[a-z0-9]+$", region));
        Assert.DoesNotContain(allowed, region => region.EndsWith("euap", StringComparison.Ordinal));
    }

    private static JsonElement Compile()
    {
        var project = Path.Combine(RepoPaths.Root, "tools", "bicep", "Bicep.csproj");
        var version = BicepVersion().Match(File.ReadAllText(project)).Groups[1].Value;
        var bicep = Path.Combine(RepoPaths.Root, "tools", "bicep", ".packages", "azure.bicep.commandline.linux-x64", version, "tools", "bicep");
        if (!File.Exists(bicep))
        {
            // What scripts/check-infra.sh does: the CLI comes from NuGet.
            Run("dotnet", ["restore", project]);
            if (!OperatingSystem.IsWindows())
            {
                // Older NuGet clients drop the execute bit when extracting.
                File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
            }
        }

        using var compiled = JsonDocument.Parse(Run(bicep, ["build", Path.Combine(RepoPaths.Root, "infra", "main.bicep"), "--stdout"]));
        return compiled.RootElement.Clone();
    }

    private static string Run(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} took over 5 minutes");
        }

        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex Expression();

    [GeneratedRegex("<BicepVersion>(.*)</BicepVersion>")]
    private static partial Regex BicepVersion();
}
