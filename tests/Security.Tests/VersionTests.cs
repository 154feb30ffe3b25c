using System.Net;
using System.Net.Http.Headers;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary><c>Accept: application/json; version=1.0</c> or no version is served; every reply says <c>API-Version: 1.0</c>.</summary>
[Collection(SecuredHostGroup.Name)]
public class VersionTests(SecuredHost host)
{
    private async Task<HttpResponseMessage> GetAsync(string? accept, string? authorization = "admin", string path = "tasks?limit=1")
    {
        using var client = host.Client(authorization is null ? null : "ApiKey " + host.Host.AdminKey);
        client.DefaultRequestHeaders.Accept.Clear();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("application/json; version=1.0")]
    [InlineData("application/json; version=1")]
    [InlineData("*/*")]
    public async Task Version_1_0_or_none_is_served_and_named(string? accept)
    {
        using var response = await GetAsync(accept);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1.0", response.Headers.GetValues("API-Version").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("application/json; version=2.0")]
    [InlineData("application/json; version=0.9")]
    [InlineData("application/json; version=latest")]
    public async Task Any_other_version_is_a_406_in_the_envelope(string accept)
    {
        using var response = await GetAsync(accept);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Contains("\"code\":\"unsupported_version\"", body, StringComparison.Ordinal);
        Assert.Contains("\"supported\":\"1.0\"", body, StringComparison.Ordinal);
        Assert.Equal("1.0", response.Headers.GetValues("API-Version").Single());
    }

    [Fact]
    public async Task Without_a_credential_the_answer_is_401_whatever_the_version()
    {
        using var response = await GetAsync("application/json; version=2.0", authorization: null);
        await SecuredHost.AssertUnauthorizedAsync(response, "an anonymous request for version 2.0");
    }

    [Fact]
    public async Task Error_replies_name_the_version_too()
    {
        using var response = await GetAsync(null, path: "tasks/task-missing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("1.0", response.Headers.GetValues("API-Version").Single());
        Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
    }
}
