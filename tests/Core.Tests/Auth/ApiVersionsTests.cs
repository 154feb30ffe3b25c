using Microsoft.Extensions.Primitives;
using TaskScheduler.Core.Api;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

public class ApiVersionsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("*/*")]
    [InlineData("application/json")]
    [InlineData("application/json; version=1.0")]
    [InlineData("application/json;version=1")]
    [InlineData("application/json; VERSION = \"1.0\"")]
    [InlineData("application/json; version=2.0, application/json; version=1.0")]
    [InlineData("text/html, application/json; q=0.9")]
    [InlineData(";;;,,,=")]
    public void Requests_without_a_version_or_asking_for_1_0_are_served(string? accept) =>
        Assert.Null(ApiVersions.Unsupported(accept is null ? StringValues.Empty : new StringValues(accept)));

    [Theory]
    [InlineData("application/json; version=2.0", "2.0")]
    [InlineData("application/json; version=1.1", "1.1")]
    [InlineData("application/json; version=", "")]
    [InlineData("application/json; version=0.9, text/plain; version=3", "0.9, 3")]
    public void Any_other_version_is_unsupported(string accept, string asked) =>
        Assert.Equal(asked, ApiVersions.Unsupported(accept));
}
