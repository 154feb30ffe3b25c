using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;
using NJsonSchema.CodeGeneration.CSharp;
using Xunit;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// A client generated from the served <c>/api/openapi.json</c> by NSwag, compiled by Roslyn and driven against SelfHost:
/// it creates, lists and cancels a task. A document that validates but that a generator misreads (a wrong body, an
/// envelope the client cannot deserialize, a missing operation) fails here.
/// </summary>
public class OpenApiClientTests(SelfHostFixture fixture) : IClassFixture<SelfHostFixture>
{
    [Fact]
    public async Task A_client_generated_from_the_document_creates_lists_and_cancels_a_task()
    {
        using var anonymous = fixture.Host.CreateClient(authorization: null);
        var document = await NSwag.OpenApiDocument.FromJsonAsync(await anonymous.GetStringAsync("openapi.json"));
        var code = new CSharpClientGenerator(document, new CSharpClientGeneratorSettings
        {
            ClassName = "TaskSchedulerClient",
            CSharpGeneratorSettings = { Namespace = "Generated", JsonLibrary = CSharpJsonLibrary.SystemTextJson },
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            GenerateClientInterfaces = false,
            UseBaseUrl = true,
        }).GenerateFile();

        var client = Compile(code).GetType("Generated.TaskSchedulerClient", throwOnError: true)!;
        dynamic api = Activator.CreateInstance(client, fixture.Client)!;
        api.BaseUrl = fixture.Client.BaseAddress!.ToString(); // the document's server is the relative "/api"

        dynamic body = Activator.CreateInstance(client.Assembly.GetType("Generated.TaskCreate", throwOnError: true)!)!;
        body.Name = "generated-client";
        body.Command = "sleep 60";
        body.Scheduled_at = DateTimeOffset.UtcNow.AddHours(1); // pending: it can be cancelled before any agent runs it
        var created = (await api.CreateTaskAsync(null, body)).Data;
        string id = created.Id;
        Assert.StartsWith("task-", id, StringComparison.Ordinal);
        Assert.Equal("pending", (string)created.Status);

        var page = await api.ListTasksAsync(null, null, null, null, null, 100);
        Assert.Contains(((IEnumerable<dynamic>)page.Data).Select(t => (string)t.Id), listed => listed == id);
        Assert.True((int)page.Meta.Total >= 1);

        var cancelled = (await api.CancelTaskAsync(id)).Data;
        Assert.Equal("cancelled", (string)cancelled.Status);
        Assert.Equal("cancelled", (string)(await api.GetTaskAsync(id)).Data.Status);
    }

    /// <summary>Compiles the generated client against the running framework's assemblies; fails with Roslyn's errors.</summary>
    private static Assembly Compile(string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "GeneratedClient",
            [CSharpSyntaxTree.ParseText(code)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        return new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(image);
    }
}
