using System.Globalization;
using System.Text;

namespace TaskScheduler.Security.Tests;

/// <summary>One generated request: what to send, and a short description for failure messages.</summary>
public sealed record FuzzRequest(string Method, string Path, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, string? ContentType, string Kind)
{
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Path, UriKind.Relative));
        if (Body is not null)
        {
            // The server answers an oversized body (413, or 401 before reading it) and then closes the connection
            // rather than drain more than its limit; the client must not pool that connection for the next request.
            request.Headers.ConnectionClose = Body.Length > 1024 * 1024 ? true : null;
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public override string ToString()
    {
        var path = Path.Length <= 120 ? Path : Path[..120] + "...";
        var auth = Headers.FirstOrDefault(h => h.Name == "Authorization").Value;
        auth = auth is null ? "none" : auth.Length <= 24 ? auth : auth[..24] + "...";
        return $"{Method} {path} [{Kind}; auth {auth}; body {Body?.Length ?? 0} B]";
    }
}

/// <summary>
/// Generates hostile requests from a seed. Every request that could change something (any method but GET and HEAD
/// on a route that takes a body) carries a body that is invalid by construction, and the routes without a body
/// (delete, cancel, retry, revoke) get ids that cannot exist: so whatever the credential, no generated request may
/// change a task, and the test can demand exactly that.
/// </summary>
public sealed class RequestGenerator(int seed, IReadOnlyList<string> taskIds, string adminKey, string tinyKey, string readerKey, string workerKey)
{
    /// <summary>The body template of a request whose path may or may not be a route.</summary>
    private const string AnyRoute = "*";

    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "POST", "POST", "PUT", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO", "get", "PROPFIND"];

    private static readonly string[] Injections =
    [
        "' or 1 eq 1 or '", "' or ''='", "pending' or '1' eq '1", "PartitionKey ne ''", "x') or (PartitionKey ge '",
        "\"", "'", "''", "\\", "%27", "%2527", "%00", "%0A", "%0D%0A", "%FF", "%C3%28", "%ED%A0%80", "%F0%9F%92%A9", "%E2%80%AE",
        "..", "../..", "%2e%2e%2f", "/", "?", "#", "&", "=", ";", "*", "$filter=true", "{}", "[]", "null", "true", "-1", "0", "1e9",
        "99999999999999999999", "NaN", "Infinity", "0x10", "1.5", " 1", "1 ", "\t", "\u0001", "\u007f", "\u00a0", "名前", "🦄", "\u202e",
        "<script>alert(1)</script>", "${jndi:ldap://x}", "{{7*7}}", "a|b", "tasks:read", "tsk_0123456789ab_", string.Empty,
    ];

    private static readonly string[] BadAuthorizations =
    [
        "ApiKey", "ApiKey ", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Negotiate abc", "ApiKey tsk_", "ApiKey tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIiwic2NwIjoiYWRtaW4ifQ.", "Bearer a.b.c", "Bearer e30.e30.e30", "apikey  ", "ApiKey ' or 1 eq 1",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwic2NwIjoiYWRtaW4ifQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ];

    private readonly Random _random = new(seed);

    public FuzzRequest Next()
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 55 => RouteRequest(),
            < 70 => QueryRequest(),
            < 85 => RandomPathRequest(),
            _ => BadHeaderRequest(),
        };
    }

    /// <summary>A known route with hostile ids and a hostile body.</summary>
    private FuzzRequest RouteRequest()
    {
        var (routeMethod, template, hasBody) = Pick(RouteTemplates);
        var method = _random.Next(10) == 0 ? Pick(Methods) : routeMethod;

        // Routes without a body change things by their id alone (DELETE, cancel, retry, revoke, or any other method
        // on the path of a route that has one): only ids that cannot exist.
        var realIdAllowed = method.ToUpperInvariant() is "GET" or "HEAD" || (hasBody && method == routeMethod);
        var path = template.Replace("{id}", realIdAllowed && _random.Next(3) > 0 ? Pick(taskIds) : HostileId(), StringComparison.Ordinal);
        var body = method is "GET" or "HEAD" && _random.Next(4) > 0 ? null : Body(template);
        return new FuzzRequest(method, path, Headers(), body, ContentType(), "route");
    }

    /// <summary>A list or log route with hostile query parameters.</summary>
    private FuzzRequest QueryRequest()
    {
        var (template, names) = Pick(QueryRoutes);
        var path = template.Replace("{id}", _random.Next(2) == 0 ? Pick(taskIds) : HostileId(), StringComparison.Ordinal);
        var query = new List<string>();
        for (var i = _random.Next(1, 5); i > 0; i--)
        {
            var name = _random.Next(5) == 0 ? Pick(Injections) : Pick(names);
            var value = _random.Next(3) switch
            {
                0 => Pick(Injections),
                1 => Uri.EscapeDataString(Pick(Injections)),
                _ => Pick(Injections) + Pick(Injections) + Number(),
            };
            query.Add(_random.Next(10) == 0 ? name : $"{name}={value}");
        }

        var method = _random.Next(8) == 0 ? "HEAD" : "GET";
        return new FuzzRequest(method, $"{path}?{string.Join('&', query)}", Headers(), null, null, "query");
    }

    /// <summary>Random segments: unknown paths, traversal, encodings, long segments.</summary>
    private FuzzRequest RandomPathRequest()
    {
        var segments = new List<string> { Pick(["tasks", "workers", "keys", "x", "admin", "api", "system", "TASKS", "tasks%2F", "%2e%2e"]) };
        for (var i = _random.Next(0, 5); i > 0; i--)
        {
            segments.Add(_random.Next(4) switch
            {
                0 => PathSafe(Uri.EscapeDataString(Pick(Injections))),
                1 => PathSafe(Pick(Injections).Replace("/", "%2F", StringComparison.Ordinal).Replace("?", "%3F", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal)),
                2 => new string('a', _random.Next(1, 2000)),
                _ => Pick(["claim", "logs", "cancel", "retry", "revoke", "heartbeat", "tasks", "checkpoint", "complete", "fail", Pick(taskIds)]),
            });
        }

        var method = Pick(Methods);
        return new FuzzRequest(method, string.Join('/', segments), Headers(), method is "GET" or "HEAD" ? null : Body(AnyRoute), ContentType(), "path");
    }

    /// <summary>Headers at their worst: credentials, Accept versions and content types.</summary>
    private FuzzRequest BadHeaderRequest()
    {
        var (method, template, hasBody) = Pick(RouteTemplates);
        var realIdAllowed = method is "GET" or "HEAD" || hasBody;
        var path = template.Replace("{id}", realIdAllowed ? Pick(taskIds) : HostileId(), StringComparison.Ordinal);
        var headers = new List<(string, string)>
        {
            ("Authorization", _random.Next(4) switch
            {
                0 => Pick(BadAuthorizations),
                1 => "ApiKey " + Printable(_random.Next(1, 200)),
                2 => "Bearer " + Printable(_random.Next(1, 3000)),
                _ => Printable(_random.Next(1, 100)),
            }),
        };
        if (_random.Next(2) == 0)
        {
            headers.Add(("Accept", "application/json; version=" + Pick(["2.0", "1.0", "1", "0", "x", "1.0\"", "\"2\""])));
        }

        if (_random.Next(4) == 0)
        {
            // Two credentials at once are refused, even when one of them is valid.
            headers.Add(("Authorization", "ApiKey " + adminKey));
        }

        return new FuzzRequest(method, path, headers, hasBody ? Body(template) : null, ContentType(), "headers");
    }

    private List<(string, string)> Headers()
    {
        var headers = new List<(string, string)>();
        var credential = _random.Next(10) switch
        {
            0 or 1 or 2 or 3 => "ApiKey " + adminKey,
            4 => "ApiKey " + tinyKey,
            5 => "ApiKey " + readerKey,
            6 => "ApiKey " + workerKey,
            7 => Pick(BadAuthorizations),
            8 => "Bearer " + Printable(_random.Next(10, 400)),
            _ => null,
        };
        if (credential is not null)
        {
            headers.Add(("Authorization", credential));
        }

        switch (_random.Next(6))
        {
            case 0:
                headers.Add(("Accept", "application/json; version=2.0"));
                break;
            case 1:
                headers.Add(("Accept", "application/json; version=1.0"));
                break;
            case 2:
                headers.Add(("Accept", Printable(_random.Next(1, 60))));
                break;
        }

        if (_random.Next(10) == 0)
        {
            headers.Add(("X-Forwarded-For", Printable(20)));
        }

        return headers;
    }

    private string? ContentType() => _random.Next(6) switch
    {
        0 => null,
        1 => "text/plain",
        2 => "application/json; charset=latin1",
        3 => Printable(_random.Next(1, 40)),
        _ => "application/json",
    };

    /// <summary>A body that no endpoint can accept (see the class summary), of one of many hostile kinds.</summary>
    private byte[] Body(string template) => _random.Next(100) switch
    {
        < 2 => Encoding.UTF8.GetBytes("{\"name\": \"" + new string('x', 1024 * 1024 + _random.Next(1, 100_000)) + "\"}"),
        < 12 => Nested(_random.Next(33, 20_000)),
        < 22 => InvalidUtf8(template),
        < 32 => Encoding.UTF8.GetBytes(Pick(["{", "}", "{\"a\":}", "[1,]", "nul", "{'name':'x'}", "\"open", "{\"a\" 1}", "\uFEFF{}", "{\"a\":1}{}", "//x\n{}", "{\"a\":NaN}", "{\"a\":.5}", "{\"a\":01}", string.Empty])),
        < 40 => Encoding.UTF8.GetBytes(Pick(["1", "\"string\"", "[]", "[{}]", "true", "null", "-0", "1e400"])),
        < 45 => RandomBytes(_random.Next(1, 4096)),
        _ => Encoding.UTF8.GetBytes(PoisonedObject(template)),
    };

    /// <summary>A JSON object shaped like the route's body, full of hostile values, with at least one field no endpoint accepts.</summary>
    private string PoisonedObject(string template)
    {
        var fields = new List<string>();
        foreach (var name in Pick(FieldSets))
        {
            fields.Add($"{Json(name)}: {Value()}");
        }

        // The poison, per route family (each is a 422 where it lands; elsewhere the body is rejected anyway). A
        // random path may still land on a route, so its body carries every poison.
        if (template == AnyRoute)
        {
            foreach (var route in RouteTemplates.Where(r => r.HasBody))
            {
                fields.Add(Poison(route.Template));
            }

            return "{" + string.Join(", ", fields) + "}";
        }

        // Last, because a repeated name means its last value to the parser.
        fields.Add(Poison(template));
        return "{" + string.Join(", ", fields) + "}";
    }

    private string Poison(string template) => template switch
    {
        "tasks" or "tasks/{id}" => $"\"priority\": {Pick(["\"5\"", "0", "11", "5.5", "[5]", "{}", "true", "1e400"])}",
        "keys" => $"\"scopes\": {Pick(["\"admin\"", "[]", "[\"root\"]", "[1]", "{}", "null"])}",
        "workers" => $"\"concurrency\": {Pick(["\"4\"", "0", "2000", "1.5", "[]", "true"])}",
        "workers/{id}/heartbeat" => $"\"current_tasks\": {Pick(["\"x\"", "[1]", "[{\"task_id\": 1}]", "[{\"task_id\": \"task-1\", \"attempt\": \"1\"}]", "{}"])}",
        "tasks/{id}/checkpoint" => $"\"checkpoint_data\": {Pick(["\"x\"", "1", "[]", "null", "true"])}",
        _ => $"\"attempt\": {Pick(["\"one\"", "0", "-1", "1.5", "[]", "null", "\"1\"", "99999999999"])}",
    };

    private string Value() => _random.Next(10) switch
    {
        0 => Number(),
        1 => Pick(["true", "false", "null", "[]", "{}"]),
        2 => "[" + string.Join(", ", Enumerable.Range(0, _random.Next(0, 60)).Select(_ => Json(Pick(Injections)))) + "]",
        3 => Json(new string('z', _random.Next(1, 20_000))),
        4 => "{\"a\": " + Value() + ", \"$type\": \"System.Object\"}",
        5 => Json(Pick(taskIds)),
        _ => Json(Pick(Injections) + Pick(Injections)),
    };

    /// <summary>
    /// Kestrel refuses a path whose decoding holds NUL (a bare 400, before any application code runs), so NUL stays
    /// out of paths; <c>HostileInputTests</c> pins that behaviour, and queries and bodies still carry it.
    /// </summary>
    private static string PathSafe(string segment) =>
        segment.Replace("%00", "%01", StringComparison.OrdinalIgnoreCase).Replace("%2500", "%2501", StringComparison.OrdinalIgnoreCase);

    private string Number() => Pick(["0", "-1", "1", "5", "2147483648", "-2147483649", "1e308", "1e-308", "3.14", "10", "604801", "1e400"]);

    private string HostileId() => _random.Next(6) switch
    {
        0 => PathSafe(Uri.EscapeDataString(Pick(Injections))),
        1 => "task-" + new string('9', _random.Next(60, 300)),
        2 => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12],
        3 => "task-" + Guid.NewGuid().ToString("N") + PathSafe(Uri.EscapeDataString(Pick(Injections))),
        4 => Pick(["%2e%2e", "task%2F1", "task-%01", "task-%C3%28", "%20", "task-1%23", "task-1%3Fx%3D1", "..%2F..%2Fkeys"]),
        _ => "task-" + Guid.CreateVersion7().ToString("N"),
    };

    private byte[] Nested(int depth) => _random.Next(3) switch
    {
        0 => Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth)),
        1 => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)),
        _ => Encoding.ASCII.GetBytes("{\"checkpoint_data\": " + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + ", \"attempt\": \"x\"}"),
    };

    private byte[] InvalidUtf8(string template)
    {
        var text = Encoding.UTF8.GetBytes(PoisonedObject(template));
        var bad = Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82]]);
        var at = _random.Next(text.Length);
        return [.. text.AsSpan(0, at), .. bad, .. text.AsSpan(at)];
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Printable ASCII and tabs only: what an HTTP client can put in a header at all.</summary>
    private string Printable(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(_random.Next(20) == 0 ? '\t' : (char)_random.Next(0x20, 0x7F));
        }

        return builder.ToString().Trim();
    }

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static readonly (string Method, string Template, bool HasBody)[] RouteTemplates =
    [
        ("GET", "tasks", false), ("POST", "tasks", true), ("GET", "tasks/{id}", false), ("PUT", "tasks/{id}", true),
        ("DELETE", "tasks/{id}", false), ("POST", "tasks/{id}/cancel", false), ("POST", "tasks/{id}/retry", false),
        ("GET", "tasks/{id}/logs", false), ("POST", "tasks/{id}/logs", true), ("POST", "tasks/{id}/checkpoint", true),
        ("POST", "tasks/{id}/claim", true), ("POST", "tasks/{id}/complete", true), ("POST", "tasks/{id}/fail", true),
        ("GET", "workers", false), ("POST", "workers", true), ("GET", "workers/{id}", false), ("GET", "workers/{id}/tasks", false),
        ("POST", "workers/{id}/heartbeat", true), ("GET", "keys", false), ("POST", "keys", true), ("POST", "keys/{id}/revoke", false),
    ];

    private static readonly (string Template, string[] Names)[] QueryRoutes =
    [
        ("tasks", ["status", "tag", "sort", "order", "page", "limit"]),
        ("tasks/{id}/logs", ["limit", "offset", "level"]),
        ("workers", ["status", "page", "limit"]),
        ("workers/{id}/tasks", ["status", "page", "limit"]),
        ("keys", ["page", "limit"]),
    ];

    private static readonly string[][] FieldSets =
    [
        ["name", "command", "description", "tags", "dependencies", "scheduled_at", "timeout_seconds", "max_retries", "checkpoint_enabled"],
        ["name", "scopes", "tier"],
        ["worker_id", "attempt", "lines", "result", "exit_code", "error"],
        ["id", "hostname", "version", "tags", "resources"],
        ["checkpoint_data", "worker_id"],
        ["PartitionKey", "RowKey", "ETag", "__proto__", "", "name"],
    ];
}
