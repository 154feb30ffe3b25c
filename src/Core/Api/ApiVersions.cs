using Microsoft.Extensions.Primitives;

namespace TaskScheduler.Core.Api;

/// <summary>
/// Versioning by media-type parameter, as api-reference.md says: <c>Accept: application/json; version=1.0</c>.
/// No <c>version</c> parameter means the current version; any media range asking for 1.0 (or 1) is served;
/// a request that asks only for other versions gets 406 <c>unsupported_version</c>. Every reply names the version
/// that served it in <see cref="HeaderName"/>.
/// </summary>
public static class ApiVersions
{
    public const string Current = "1.0";

    public const string HeaderName = "API-Version";

    private static readonly string[] Served = [Current, "1"];

    /// <summary>Null when the request can be served; otherwise the versions it asked for (for the 406's details).</summary>
    public static string? Unsupported(StringValues accept)
    {
        List<string>? asked = null;
        foreach (var header in accept)
        {
            foreach (var range in (header ?? string.Empty).Split(','))
            {
                foreach (var parameter in range.Split(';').Skip(1))
                {
                    var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                    if (equals < 0 || !parameter[..equals].Trim().Equals("version", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    var version = parameter[(equals + 1)..].Trim().Trim('"');
                    if (Served.Contains(version, StringComparer.Ordinal))
                    {
                        return null;
                    }

                    (asked ??= []).Add(version.Length <= 16 ? version : version[..16] + "...");
                }
            }
        }

        return asked is null ? null : string.Join(", ", asked);
    }
}
