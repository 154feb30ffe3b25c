using System.Collections.Frozen;

namespace TaskScheduler.Functions.Dashboard;

/// <summary>
/// The dashboard's files, embedded in this assembly (<c>Dashboard/wwwroot</c>, resource names <c>dashboard/...</c>)
/// so both hosts serve the very same bytes with no file system, build server or CDN. Only these names can be served:
/// a request path is looked up, never joined to a directory, so there is nothing to traverse.
/// </summary>
public static class DashboardAssets
{
    private const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, DashboardAsset>> Assets = new(Load);

    /// <summary>The file for a path under the dashboard (empty: <c>index.html</c>), or null.</summary>
    public static DashboardAsset? Find(string? path) =>
        Assets.Value.GetValueOrDefault(string.IsNullOrEmpty(path) ? "index.html" : path);

    public static IReadOnlyCollection<string> Names => Assets.Value.Keys;

    private static FrozenDictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            var contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(name))
                ?? throw new InvalidOperationException($"Dashboard file {name} has no known media type.");
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = DashboardAsset.Of(name, copy.ToArray(), contentType);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
