namespace TaskScheduler.Core.Tasks;

/// <summary>A field of a partial update: absent (<c>default</c>), or present with a value (which may be null).</summary>
public readonly record struct Optional<T>(bool HasValue, T Value)
{
    public T Or(T fallback) => HasValue ? Value : fallback;
}

/// <summary>Creates <see cref="Optional{T}"/> values.</summary>
public static class Optional
{
    public static Optional<T> Of<T>(T value) => new(true, value);
}
