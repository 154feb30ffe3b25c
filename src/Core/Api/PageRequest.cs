namespace TaskScheduler.Core.Api;

/// <summary><c>page</c> and <c>limit</c> of every list (default 1 and 20; limit 1..100).</summary>
public readonly record struct PageRequest(int Page, int Limit)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>Deep pages cost reads of every row before them; this keeps a request bounded.</summary>
    public const int MaxPage = 100_000;

    public int Skip => (Page - 1) * Limit;

    public static PageRequest From(QueryParameters query) => new(
        query.GetInt("page", 1, 1, MaxPage),
        query.GetInt("limit", DefaultLimit, 1, MaxLimit));

    public PageMeta Meta(long total) => new(Page, Limit, total, total == 0 ? 0 : (total + Limit - 1) / Limit);
}

/// <summary>The <c>meta</c> block of a list: <c>pages = ceil(total / limit)</c>.</summary>
public sealed record PageMeta(int Page, int Limit, long Total, long Pages);
