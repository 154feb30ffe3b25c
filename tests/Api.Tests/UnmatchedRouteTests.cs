using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TaskScheduler.Core.Api;
using TaskScheduler.Functions.Http;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// The unmatched-route function gives the Functions host SelfHost's answers for what no function serves: called the
/// way the Functions host calls it (after the credential check, with the route's <c>rest</c>), and over HTTP on
/// SelfHost, which maps the same function, the answers are the same 404 and 405 envelopes.
/// </summary>
public class UnmatchedRouteTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    public static TheoryData<string, string, int, string> Requests() => new()
    {
        { "GET", "nothing-here", 404, ErrorCodes.NotFound },
        { "GET", "tasks/task-1/nothing", 404, ErrorCodes.NotFound },
        { "PATCH", "tasks", 405, ErrorCodes.MethodNotAllowed },
        { "DELETE", "tasks", 405, ErrorCodes.MethodNotAllowed },
        { "POST", "tasks/task-1", 405, ErrorCodes.MethodNotAllowed },
        { "HEAD", "tasks", 405, ErrorCodes.MethodNotAllowed },
        { "GET", "tasks/task-1/cancel", 405, ErrorCodes.MethodNotAllowed },
        { "POST", "dashboard/index.html", 405, ErrorCodes.MethodNotAllowed },
        { "PUT", "Workers/w-1", 405, ErrorCodes.MethodNotAllowed },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void The_function_answers_as_the_Functions_host_would_run_it(string method, string path, int status, string code)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = "/api/" + path;

        var result = Assert.IsType<EnvelopeResult>(new UnmatchedRouteApi(HttpFunctionCatalog.ForFunctionsApp()).Answer(http.Request, path));

        Assert.Equal(status, result.StatusCode);
        Assert.Equal(code, result.Envelope.Error!.Code);
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task SelfHost_gives_the_same_answer_over_http(string method, string path, int status, string code)
    {
        using var response = await fixture.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        if (method != "HEAD")
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(code, body.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
    }
}
