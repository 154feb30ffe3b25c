using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using TaskScheduler.Core.Auth;
using TaskScheduler.Functions.Http;
using TaskScheduler.SelfHost;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// <c>GET /api/openapi.json</c> (decisions.md, "Beyond the reference"): an OpenAPI 3.1 document, served without a
/// credential, that describes exactly the routes the hosts serve, with the query parameters and body fields the
/// handlers accept. Checked against the running SelfHost, not against the document's own source.
/// </summary>
public class OpenApiDocumentTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    private static readonly string[] Methods = ["get", "post", "put", "delete", "patch"];

    [Fact]
    public async Task The_document_is_valid_OpenAPI_3_1_served_without_a_credential_with_an_etag()
    {
        using var anonymous = fixture.Host.CreateClient(authorization: null);
        using var reply = await anonymous.GetAsync("openapi.json");
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("application/json", reply.Content.Headers.ContentType?.MediaType);
        var text = await reply.Content.ReadAsStringAsync();

        var read = OpenApiDocument.Parse(text, "json");
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        using var again = new HttpRequestMessage(HttpMethod.Get, "openapi.json");
        again.Headers.IfNoneMatch.Add(reply.Headers.ETag!);
        using var notModified = await anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Every_reference_in_the_document_resolves_from_its_root()
    {
        var document = await DocumentAsync();
        var references = new List<string>();
        void Collect(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (name, child) in o)
                    {
                        if (name == "$ref")
                        {
                            references.Add(child!.GetValue<string>());
                        }
                        else
                        {
                            Collect(child);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Collect(item);
                    }

                    break;
            }
        }

        Collect(document);
        Assert.NotEmpty(references);
        Assert.All(references, reference =>
        {
            Assert.StartsWith("#/components/", reference, StringComparison.Ordinal);
            var target = reference[2..].Split('/').Aggregate((JsonNode?)document, (at, segment) => at?[segment]);
            Assert.True(target is not null, $"{reference} points nowhere");
        });
    }

    [Fact]
    public async Task Every_http_function_is_described_once_with_its_scope_and_nothing_else_is()
    {
        var document = await DocumentAsync();

        // Read from the attributes the Functions host reads, not through the catalog the document is built from.
        var declared = typeof(TasksApi).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null && m.GetCustomAttribute<AnyCredentialAttribute>() is null)
            .Select(m => (Method: m, Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(a => a is not null)))
            .Where(f => f.Trigger is not null)
            .SelectMany(f =>
            {
                var (m, trigger) = (f.Method, f.Trigger!);
                var scope = m.GetCustomAttribute<RequiresScopeAttribute>()?.Scope;
                return trigger.Methods!.Select(method => ($"{method.ToUpperInvariant()} /{trigger.Route!.Replace("{*", "{", StringComparison.Ordinal)}", scope));
            })
            .OrderBy(x => x.Item1, StringComparer.Ordinal)
            .ToList();
        var described = Operations(document)
            .Select(o => (o.Key, Scope: (string?)o.Operation["x-required-scope"]?.GetValue<string>()))
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(declared, described);
        Assert.Contains(declared, d => d.Item1 == "GET /openapi.json" && d.scope is null);

        // And the same routes as the Functions host loads (functions.metadata), but the unmatched-route catch-all.
        var hosted = HostParityTests.FunctionsAppRoutes()
            .Where(r => !r.EndsWith("/{*rest}", StringComparison.Ordinal))
            .Select(r => r.Replace($" {FunctionEndpoints.RoutePrefix}/", " /", StringComparison.Ordinal).Replace("{*", "{", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        Assert.Equal(hosted, described.Select(d => d.Key));
    }

    [Fact]
    public async Task Every_described_operation_is_answered_by_its_handler_not_by_the_unmatched_route()
    {
        var document = await DocumentAsync();
        foreach (var (key, _) in Operations(document))
        {
            var (method, path) = (key.Split(' ')[0], key.Split(' ')[1]);
            var concrete = path.Replace("{id}", "zz-no-such-id", StringComparison.Ordinal).Replace("{path}", "index.html", StringComparison.Ordinal).TrimStart('/');
            using var request = new HttpRequestMessage(new HttpMethod(method), concrete);
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            // The dashboard's files are not JSON: only a JSON reply can be the unmatched-route function's envelope.
            using var reply = await fixture.Client.SendAsync(request);
            var status = reply.StatusCode;
            var unmatched = reply.Content.Headers.ContentType?.MediaType == "application/json"
                && JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement is { ValueKind: JsonValueKind.Object } body
                && body.TryGetProperty("error", out var error)
                && error.GetProperty("message").GetString() == "No such endpoint.";
            Assert.False(
                status == HttpStatusCode.MethodNotAllowed || unmatched,
                $"{key}: answered {(int)status} by the unmatched-route function");
        }
    }

    [Fact]
    public async Task The_query_parameters_described_are_exactly_those_each_handler_accepts()
    {
        var document = await DocumentAsync();
        var checkedCount = 0;
        foreach (var (key, operation) in Operations(document).Where(o => o.Key.StartsWith("GET ", StringComparison.Ordinal)))
        {
            var described = (operation["parameters"]?.AsArray() ?? []).Where(p => p!["in"]!.GetValue<string>() == "query")
                .Select(p => p!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
            if (described.Count == 0)
            {
                continue;
            }

            var path = key[4..].Replace("{id}", "zz-no-such-id", StringComparison.Ordinal).TrimStart('/');
            var (status, body) = await fixture.Client.GetJsonAsync(path + "?zz_unknown=1");
            var reason = (status, body).AssertError(HttpStatusCode.BadRequest, "invalid_parameter").GetProperty("details").GetProperty("zz_unknown").GetString()!;
            var accepted = reason[(reason.IndexOf("allowed: ", StringComparison.Ordinal) + "allowed: ".Length)..].Split(", ").Order(StringComparer.Ordinal).ToList();
            Assert.True(described.SequenceEqual(accepted), $"{key}: described {string.Join(",", described)}, accepted {string.Join(",", accepted)}");
            checkedCount++;
        }

        Assert.True(checkedCount >= 9, $"only {checkedCount} operations with query parameters were checked");
    }

    [Fact]
    public async Task The_body_fields_described_are_known_to_each_handler_and_an_undescribed_field_is_refused()
    {
        var document = await DocumentAsync();
        var checkedCount = 0;
        foreach (var (key, operation) in Operations(document).Where(o => o.Operation["requestBody"] is not null))
        {
            var reference = operation["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
            var schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
            var fields = schema["properties"]!.AsObject().Select(p => p.Key).ToList();
            var (method, path) = (new HttpMethod(key.Split(' ')[0]), key.Split(' ')[1].TrimStart('/'));
            if (path.Contains("{id}", StringComparison.Ordinal))
            {
                path = path.Replace("{id}", await ExistingIdAsync(path), StringComparison.Ordinal);
            }

            // Every described field, with a value of the wrong type: each may be refused, none as unknown.
            var allWrong = fields.ToDictionary(f => f, _ => (object)new[] { new { zz = 1 } });
            var details = (await fixture.Client.SendAsync(method, path, allWrong)).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed").GetProperty("details");
            Assert.All(fields, f => Assert.False(
                details.TryGetProperty(f, out var why) && why.GetString() == "is not a known field", $"{key}: {f} is described but unknown"));

            var unknown = (await fixture.Client.SendAsync(method, path, new Dictionary<string, object> { ["zz_unknown"] = 1 }))
                .AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed").GetProperty("details");
            Assert.Equal("is not a known field", unknown.GetProperty("zz_unknown").GetString());
            checkedCount++;
        }

        Assert.True(checkedCount >= 12, $"only {checkedCount} operations with bodies were checked");
    }

    /// <summary>An id the body checks can reach the parser with (a PUT reads the resource before its body).</summary>
    private async Task<string> ExistingIdAsync(string path)
    {
        if (path.StartsWith("tasks/", StringComparison.Ordinal))
        {
            return (await fixture.Client.CreateTaskAsync(new { name = "openapi-body", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(1) })).GetProperty("id").GetString()!;
        }

        if (path.StartsWith("workers/", StringComparison.Ordinal))
        {
            var (registered, worker) = await fixture.Client.PostJsonAsync("workers", new { hostname = "openapi-body" });
            Assert.Equal(HttpStatusCode.Created, registered);
            return worker.GetProperty("data").GetProperty("id").GetString()!;
        }

        var (status, created) = await fixture.Client.PostJsonAsync("schedules", new { name = "openapi-body", interval_seconds = 3600, paused = true, task = new { name = "t", command = "true" } });
        Assert.Equal(HttpStatusCode.Created, status);
        return created.GetProperty("data").GetProperty("id").GetString()!;
    }

    private async Task<JsonObject> DocumentAsync()
    {
        using var anonymous = fixture.Host.CreateClient(authorization: null);
        return JsonNode.Parse(await anonymous.GetStringAsync("openapi.json"))!.AsObject();
    }

    private static IEnumerable<(string Key, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => Methods.Contains(op.Key))
            .Select(op => ($"{op.Key.ToUpperInvariant()} {path.Key}", op.Value!.AsObject())));
}
