using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using TaskScheduler.Core.Auth;

namespace TaskScheduler.Core.Api.OpenApi;

/// <summary>
/// Builds the OpenAPI 3.1 document of the API from the routes the hosts serve. Replies are described by their C#
/// types, through System.Text.Json's own schema exporter with the API's JSON options, so a schema is the wire shape
/// the serializer writes; request bodies and query parameters come from <see cref="RequestBodies"/> and
/// <see cref="QueryParameterSchemas"/>, which the parsers read their field and parameter names from.
/// </summary>
public static partial class OpenApiDocument
{
    public const string Version = "3.1.0";

    private const string ApiKeyScheme = "ApiKey";
    private const string BearerScheme = "Bearer";

    /// <summary>The error codes each status can carry (decisions.md, "Envelope and errors", and the idempotency section).</summary>
    private static readonly SortedDictionary<int, (string Name, string Description, string[] Codes)> ErrorStatuses = new()
    {
        [400] = ("BadRequest", "The body is not JSON, or a query parameter is unknown, repeated or invalid.", [ErrorCodes.InvalidJson, ErrorCodes.InvalidParameter]),
        [401] = ("Unauthorized", "No valid credential.", [ErrorCodes.Unauthorized]),
        [403] = ("Forbidden", "The credential lacks the operation's scope.", [ErrorCodes.Forbidden]),
        [404] = ("NotFound", "No such resource.", [ErrorCodes.NotFound]),
        [406] = ("UnsupportedVersion", "The Accept header asks for an API version other than 1.0.", [ErrorCodes.UnsupportedVersion]),
        [409] = ("Conflict", "The resource's state does not allow it; or a request with the same Idempotency-Key is still in flight (with Retry-After).", [ErrorCodes.Conflict, ErrorCodes.RequestInProgress]),
        [413] = ("PayloadTooLarge", "The body is larger than 1 MiB.", [ErrorCodes.PayloadTooLarge]),
        [422] = ("ValidationFailed", "A field is invalid (details map each to a reason); or the Idempotency-Key was used with another body.", [ErrorCodes.ValidationFailed, ErrorCodes.IdempotencyKeyReused]),
        [429] = ("RateLimited", "The credential's rate limit is spent (see Retry-After).", [ErrorCodes.RateLimited]),
        [500] = ("InternalError", "An unexpected failure (no detail is shown).", [ErrorCodes.InternalError]),
        [503] = ("ServiceUnavailable", "A dependency (storage) is unavailable; retry later.", [ErrorCodes.ServiceUnavailable]),
    };

    private static readonly int[] EveryAuthenticated = [401, 403, 406, 429, 500, 503];
    private static readonly int[] EveryBody = [400, 413, 422];

    /// <summary>The path of an operation: a catch-all <c>{*rest}</c> becomes an ordinary <c>{rest}</c>.</summary>
    public static string PathOf(string route) => "/" + CatchAll().Replace(route, "{$1}");

    /// <exception cref="InvalidOperationException">Two routes describe the same method and path, or a body or parameter name is unknown.</exception>
    public static JsonObject Build(IEnumerable<ApiRoute> routes)
    {
        var schemas = new Schemas();
        var paths = new JsonObject();
        foreach (var route in routes.OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal))
        {
            var path = PathOf(route.Route);
            if (paths[path] is not JsonObject item)
            {
                paths[path] = item = new JsonObject();
            }

            var method = route.Method.ToLowerInvariant();
            if (item.ContainsKey(method))
            {
                throw new InvalidOperationException($"{route.Method} {path} is described twice.");
            }

            item[method] = Operation(route, schemas);
        }

        return new JsonObject
        {
            ["openapi"] = Version,
            ["info"] = new JsonObject
            {
                ["title"] = "TaskScheduler API",
                ["version"] = ApiVersions.Current,
                ["description"] =
                    "Submit shell commands; they are scheduled (time, priority, dependencies), run on worker agents, retried and timed out. " +
                    "Every JSON reply is an envelope: {\"data\", \"meta\"?} on success, {\"error\": {\"code\", \"message\", \"details\"?}} on failure. " +
                    "Times are ISO 8601 UTC with Z. Send `Accept: application/json` (optionally `; version=1.0`). Every authenticated reply carries " +
                    "X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/api" }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas.Components,
                ["responses"] = ErrorResponses(),
                ["securitySchemes"] = new JsonObject
                {
                    [ApiKeyScheme] = new JsonObject
                    {
                        ["type"] = "apiKey",
                        ["in"] = "header",
                        ["name"] = "Authorization",
                        ["description"] = "`Authorization: ApiKey <key>`; the key's scopes decide what it may do (admin implies every scope).",
                    },
                    [BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "A JWT whose scp or roles claim carries the scopes.",
                    },
                },
            },
        };
    }

    private static JsonObject Operation(ApiRoute route, Schemas schemas)
    {
        var declared = route.Operation;
        var operation = new JsonObject
        {
            ["operationId"] = route.OperationId,
            ["summary"] = declared.Summary,
            ["tags"] = new JsonArray(route.Route.Split('/')[0]),
        };

        var parameters = new JsonArray();
        foreach (Match match in PathParameter().Matches(route.Route))
        {
            parameters.Add(new JsonObject { ["name"] = match.Groups[1].Value, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var name in declared.Query)
        {
            parameters.Add(new JsonObject { ["name"] = QueryParameterSchemas.WireName(name), ["in"] = "query", ["required"] = false, ["schema"] = QueryParameterSchemas.SchemaOf(name) });
        }

        if (declared.Idempotent)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = IdempotencyStore.HeaderName,
                ["in"] = "header",
                ["required"] = false,
                ["description"] = $"A replay with the same key and body returns the first answer (with {IdempotencyStore.ReplayedHeaderName}: true) and creates nothing; keys are kept {IdempotencyStore.Retention.TotalHours:F0} hours.",
                ["schema"] = JsonSchemas.String(1, IdempotencyStore.MaxKeyLength),
            });
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (declared.Body is { } bodyName)
        {
            var body = RequestBodies.Named(bodyName);
            schemas.Add(body.Name, body.Schema());
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(body.Name) } },
            };
        }

        var responses = new JsonObject { [declared.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Success(declared, schemas) };
        foreach (var status in ErrorsOf(route).Order())
        {
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject { ["$ref"] = "#/components/responses/" + ErrorStatuses[status].Name };
        }

        operation["responses"] = responses;
        if (route.Scope is { } scope)
        {
            operation["security"] = new JsonArray(
                new JsonObject { [ApiKeyScheme] = new JsonArray(scope) },
                new JsonObject { [BearerScheme] = new JsonArray(scope) });
            operation["x-required-scope"] = scope;
            operation["description"] = $"Requires the `{scope}` scope.";
        }
        else
        {
            operation["security"] = new JsonArray();
            operation["description"] = "Needs no credential.";
        }

        return operation;
    }

    private static HashSet<int> ErrorsOf(ApiRoute route)
    {
        var declared = route.Operation;
        var statuses = new HashSet<int>(declared.Errors) { 500 };
        if (route.Scope is not null)
        {
            statuses.UnionWith(EveryAuthenticated);
        }

        if (declared.Body is not null)
        {
            statuses.UnionWith(EveryBody);
        }

        if (declared.Query.Length > 0)
        {
            statuses.Add(400);
        }

        if (PathParameter().IsMatch(route.Route))
        {
            statuses.Add(404);
        }

        if (declared.Idempotent)
        {
            statuses.UnionWith([409, 422]);
        }

        return statuses;
    }

    private static JsonObject Success(ApiOperationAttribute declared, Schemas schemas)
    {
        if (declared.MediaType is { } mediaType)
        {
            return new JsonObject
            {
                ["description"] = "The file.",
                ["content"] = new JsonObject { [mediaType] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string" } } },
            };
        }

        return new JsonObject
        {
            ["description"] = declared.Status == 201 ? "Created." : "Done.",
            ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schemas.EnvelopeOf(declared.Reply, declared.List, declared.Meta) } },
        };
    }

    private static JsonObject ErrorResponses()
    {
        var responses = new JsonObject();
        foreach (var (status, (name, description, codes)) in ErrorStatuses)
        {
            var response = new JsonObject
            {
                ["description"] = description,
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject
                    {
                        ["schema"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject
                            {
                                ["error"] = new JsonObject
                                {
                                    ["type"] = "object",
                                    ["properties"] = new JsonObject
                                    {
                                        ["code"] = JsonSchemas.Choice(codes),
                                        ["message"] = new JsonObject { ["type"] = "string" },
                                        ["details"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                                    },
                                    ["required"] = new JsonArray("code", "message"),
                                },
                            },
                            ["required"] = new JsonArray("error"),
                        },
                    },
                },
            };
            if (status is 409 or 429)
            {
                response["headers"] = new JsonObject { ["Retry-After"] = new JsonObject { ["description"] = "Seconds to wait.", ["schema"] = new JsonObject { ["type"] = "integer" } } };
            }

            responses[name] = response;
        }

        return responses;
    }

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    /// <summary>The component schemas the operations refer to, reply types exported once each.</summary>
    private sealed class Schemas
    {
        // The schema describes what the API writes: numbers as numbers (the Web defaults also read them from strings).
        private static readonly JsonSerializerOptions WrittenShape = new(ApiJson.Options) { NumberHandling = JsonNumberHandling.Strict };

        public JsonObject Components { get; } = new();

        public void Add(string name, JsonObject schema) => Components[name] ??= schema;

        /// <summary>
        /// The success envelope, a named component (<c>TaskResourceReply</c>, <c>TaskResourcePage</c>) so that generated
        /// clients name their types after it rather than numbering anonymous ones.
        /// </summary>
        public JsonObject EnvelopeOf(Type? reply, bool list, Type? meta)
        {
            JsonNode data = reply is null ? new JsonObject { ["type"] = "object" } : RefTo(reply);
            var properties = new JsonObject { ["data"] = list ? new JsonObject { ["type"] = "array", ["items"] = data } : data };
            if ((list ? typeof(PageMeta) : meta) is { } metaType)
            {
                properties["meta"] = RefTo(metaType);
            }

            var name = (reply?.Name ?? "Object") + (list ? "Page" : meta is null ? "Reply" : "With" + meta.Name);
            Add(name, new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = new JsonArray("data") });
            return Ref(name);
        }

        public JsonObject RefTo(Type type)
        {
            Add(type.Name, JsonSchemas.Of(type, WrittenShape));
            return Ref(type.Name);
        }
    }

    [GeneratedRegex(@"\{\*?([A-Za-z_][A-Za-z0-9_]*)\??\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex(@"\{\*([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex CatchAll();
}
