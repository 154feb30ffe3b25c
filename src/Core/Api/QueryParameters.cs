using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace TaskScheduler.Core.Api;

/// <summary>
/// Strict reading of a query string: every value is validated, repeated or unknown parameters are a 400,
/// so a typo never silently changes what a client gets.
/// </summary>
public sealed class QueryParameters
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private QueryParameters()
    {
    }

    public static QueryParameters Parse(IEnumerable<KeyValuePair<string, StringValues>> query, IReadOnlyCollection<string> allowed)
    {
        var parameters = new QueryParameters();
        foreach (var (name, values) in query)
        {
            if (!allowed.Contains(name))
            {
                throw ApiException.InvalidParameter(Shorten(name), $"is not a known parameter; allowed: {string.Join(", ", allowed)}");
            }

            if (values.Count != 1)
            {
                throw ApiException.InvalidParameter(name, "must be given once");
            }

            parameters._values[name] = values[0] ?? string.Empty;
        }

        return parameters;
    }

    public string? GetString(string name) => _values.TryGetValue(name, out var value) ? value : null;

    public int GetInt(string name, int fallback, int min, int max)
    {
        if (!_values.TryGetValue(name, out var raw))
        {
            return fallback;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw ApiException.InvalidParameter(name, $"must be an integer between {min} and {max}");
        }

        return value;
    }

    /// <summary>Reads one of a fixed set of words.</summary>
    public T GetChoice<T>(string name, T fallback, IReadOnlyDictionary<string, T> choices)
    {
        if (!_values.TryGetValue(name, out var raw))
        {
            return fallback;
        }

        return choices.TryGetValue(raw, out var value)
            ? value
            : throw ApiException.InvalidParameter(name, $"must be one of: {string.Join(", ", choices.Keys)}");
    }

    private static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "...";
}
