using System.Text.Json;

namespace TaskScheduler.DispatchBench;

/// <summary>Each step writes its summary as one JSON file in the results folder; the report reads them back.</summary>
public static class ResultFiles
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteAsync<T>(DispatchBenchOptions options, string fileName, T value)
    {
        Directory.CreateDirectory(options.Results);
        await File.WriteAllTextAsync(options.ResultPath(fileName), JsonSerializer.Serialize(value, Json));
    }

    public static T? Read<T>(string path) => File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : default;

    /// <summary>Every summary of one kind in a folder, e.g. <c>latency-*.json</c>, by name.</summary>
    public static IEnumerable<(string Name, T Value)> ReadAll<T>(string folder, string pattern) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal)
                .Select(path => (Path.GetFileNameWithoutExtension(path), Read<T>(path)))
                .Where(x => x.Item2 is not null)
                .Select(x => (x.Item1, x.Item2!))
            : [];
}
