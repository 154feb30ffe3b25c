using TaskScheduler.Core.Auth;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

public class ApiKeyFormatTests
{
    [Fact]
    public void Generated_keys_are_unique_and_carry_their_id()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeyFormat.Generate()).ToList();
        Assert.Equal(1000, keys.Select(k => k.Key).Distinct().Count());
        Assert.Equal(1000, keys.Select(k => k.Id).Distinct().Count());
        foreach (var (id, key) in keys)
        {
            Assert.True(ApiKeyFormat.TryGetId(key, out var parsed), key);
            Assert.Equal(id, parsed);
            Assert.True(ApiKeyFormat.IsValidId(id));
            Assert.StartsWith("tsk_", key, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("tsk_")]
    [InlineData("tsk_0123456789ab")]
    [InlineData("tsk_0123456789AB_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=")]
    [InlineData("tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'")]
    [InlineData("xsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")]
    public void Text_without_the_shape_of_a_key_is_refused_without_a_lookup(string text) =>
        Assert.False(ApiKeyFormat.TryGetId(text, out _));

    [Fact]
    public void Only_the_exact_key_matches_its_hash()
    {
        var (_, key) = ApiKeyFormat.Generate();
        var hash = ApiKeyFormat.Hash(key);
        Assert.Equal(32, hash.Length);
        Assert.Equal(hash, ApiKeyFormat.Hash(key));
        Assert.NotEqual(hash, ApiKeyFormat.Hash(key[..^1] + (key[^1] == 'a' ? 'b' : 'a')));
        Assert.NotEqual(hash, ApiKeyFormat.Hash(key + " "));
    }
}
