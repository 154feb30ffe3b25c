using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TaskScheduler.Core.Auth;
using TaskScheduler.Functions.Http;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>The exemption from the gate cannot be widened by accident: GET only, and never beside a scope.</summary>
public class PublicStaticAssetsPolicyTests
{
    [Fact]
    public void Only_the_dashboard_and_the_OpenAPI_document_are_public_and_GET_only()
    {
        var published = HttpFunctionCatalog.ForFunctionsApp().Functions.Where(f => f.IsPublic).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["Dashboard", "GetOpenApiDocument"], published.Select(f => f.Name));
        Assert.All(published, f => Assert.Equal(["GET"], f.Methods));
        Assert.Equal(ScopePolicy.PublicStaticAssets, ScopePolicy.RequiredScopeOf(typeof(DashboardApi).GetMethod(nameof(DashboardApi.Get))!));
        Assert.Equal(ScopePolicy.PublicStaticAssets, ScopePolicy.RequiredScopeOf(typeof(OpenApiApi).GetMethod(nameof(OpenApiApi.Get))!));
        Assert.False(Scopes.IsKnown(ScopePolicy.PublicStaticAssets));
    }

    [Fact]
    public void A_public_function_that_accepts_another_method_stops_the_catalog()
    {
        // This test assembly holds exactly one HTTP function: PublicPost below.
        var error = Assert.Throws<InvalidOperationException>(() => HttpFunctionCatalog.Build(typeof(PublicStaticAssetsPolicyTests).Assembly));
        Assert.Contains("only GET may be public", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_function_cannot_be_both_public_and_scoped()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ScopePolicy.RequiredScopeOf(typeof(BothMarks).GetMethod(nameof(BothMarks.Get))!));
        Assert.Contains("both a scope and [PublicStaticAssets]", error.Message, StringComparison.Ordinal);
    }

    public static class PublicPost
    {
        [Function("PublicPost")]
        [PublicStaticAssets]
        public static IActionResult Post([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "public-post")] HttpRequest request) =>
            new OkResult();
    }

    public static class BothMarks
    {
        [PublicStaticAssets]
        [RequiresScope(Scopes.TasksRead)]
        public static IActionResult Get() => new OkResult();
    }
}
