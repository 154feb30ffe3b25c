using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TaskScheduler.Api.Tests;

/// <summary>
/// What the documentation tests need of a Markdown file, read as GitHub renders it: its prose (fenced code blocks
/// left out), its inline links, the anchors of its headings, and its pipe tables.
/// </summary>
internal sealed partial class MarkdownPage
{
    private MarkdownPage(string path, string[] prose)
    {
        Path = path;
        Prose = prose;
    }

    public string Path { get; }

    /// <summary>The lines outside fenced code blocks.</summary>
    public IReadOnlyList<string> Prose { get; }

    public static MarkdownPage Read(string path)
    {
        var prose = new List<string>();
        var inFence = false;
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (!inFence)
            {
                prose.Add(line);
            }
        }

        return new MarkdownPage(path, [.. prose]);
    }

    /// <summary>The targets of its inline links, <c>[text](target)</c>, without inline code spans.</summary>
    public IEnumerable<string> LinkTargets() =>
        Prose.Select(line => CodeSpan().Replace(line, string.Empty))
            .SelectMany(line => Link().Matches(line).Select(m => m.Groups["target"].Value));

    /// <summary>Its headings' anchors as GitHub makes them: lower case, punctuation dropped, spaces to hyphens, repeats numbered.</summary>
    public HashSet<string> Anchors()
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var match in Prose.Select(line => Heading().Match(line)).Where(m => m.Success))
        {
            var text = Link().Replace(match.Groups["text"].Value, "${text}");
            var slug = new StringBuilder();
            foreach (var c in text.Trim().ToLowerInvariant())
            {
                if (c == ' ')
                {
                    slug.Append('-');
                }
                else if (c is '-' or '_' || char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
                {
                    slug.Append(c);
                }
            }

            var anchor = slug.ToString();
            var count = seen.GetValueOrDefault(anchor);
            seen[anchor] = count + 1;
            anchors.Add(count == 0 ? anchor : $"{anchor}-{count}");
        }

        return anchors;
    }

    /// <summary>The first cells of the rows of the table whose header row is exactly <paramref name="header"/>.</summary>
    public IReadOnlyList<string> FirstColumnOf(string header)
    {
        var start = Prose.ToList().FindIndex(line => line.Trim() == header);
        if (start < 0)
        {
            throw new Xunit.Sdk.XunitException($"{Path} has no table with the header {header}");
        }

        return [.. Prose.Skip(start + 2).TakeWhile(line => line.StartsWith('|')).Select(line => line.Split('|')[1].Trim())];
    }

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"(?<!\[)`[^`]*`(?!\])")]
    private static partial Regex CodeSpan();
}
