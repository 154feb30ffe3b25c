using System.Text.RegularExpressions;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Security.Tests;

/// <summary>
/// OData injection is prevented by construction: every table filter in the product is built by
/// <c>TableClient.CreateQueryFilter</c>, which quotes and escapes each interpolated value. This test reads the
/// sources and fails on any filter text assembled another way.
/// </summary>
public partial class QueryFilterSourceTests
{
    [Fact]
    public void Every_table_filter_is_built_with_CreateQueryFilter()
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);
        var offences = new List<string>();
        var checkedFilters = 0;
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                checkedFilters += lines[i].Contains("CreateQueryFilter(", StringComparison.Ordinal) ? 1 : 0;
                if (IsStringBuiltFilter(lines[i]))
                {
                    offences.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(checkedFilters >= 5, $"only {checkedFilters} filters found: is the scan looking in the right place?");
        Assert.True(offences.Count == 0, "Filters not built with CreateQueryFilter:" + Environment.NewLine + string.Join(Environment.NewLine, offences));
    }

    [Theory]
    [InlineData("var filter = $\"PartitionKey eq '{id}'\";")]
    [InlineData("table.QueryAsync<TaskEntity>($\"Status eq '{status}'\");")]
    [InlineData("table.QueryAsync<TaskEntity>(\"PartitionKey eq '\" + id + \"'\");")]
    [InlineData("var f = \"RowKey ge '\" + prefix + \"'\";")]
    [InlineData("table.QueryAsync<TableEntity>(filter: $\"Tag eq '{tag}'\")")]
    public void The_scan_recognises_a_string_built_filter(string line) => Assert.True(IsStringBuiltFilter(line));

    [Theory]
    [InlineData("var filter = TableClient.CreateQueryFilter($\"PartitionKey eq {id}\");")]
    [InlineData("_table.QueryAsync<WorkerEntity>(TableClient.CreateQueryFilter($\"Status eq {status}\"), cancellationToken: ct);")]
    [InlineData("await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: [\"RowKey\"]))")]
    public void The_scan_accepts_CreateQueryFilter(string line) => Assert.False(IsStringBuiltFilter(line));

    /// <summary>Filter text with an OData comparison outside CreateQueryFilter, or a query given a string built inline.</summary>
    private static bool IsStringBuiltFilter(string line) =>
        FilterLiteral().Matches(line).Any(literal => !line[..literal.Index].TrimEnd().EndsWith("CreateQueryFilter(", StringComparison.Ordinal))
        || QueryWithInlineString().IsMatch(line)
        || line.Contains("filter: $\"", StringComparison.Ordinal)
        || line.Contains("filter: \"", StringComparison.Ordinal);

    [GeneratedRegex(@"\$?@?""[^""]*\b(?:PartitionKey|RowKey|[A-Z][A-Za-z]+)\s+(?:eq|ne|gt|ge|lt|le)\s[^""]*""")]
    private static partial Regex FilterLiteral();

    [GeneratedRegex("""Query(?:Async)?<[^>]+>\(\s*\$?"|Query(?:Async)?<[^>]+>\([^)]*\+""")]
    private static partial Regex QueryWithInlineString();
}
