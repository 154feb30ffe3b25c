using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// API keys look like <c>tsk_{id}_{secret}</c>: <c>id</c> is 12 lower-case hex characters (the row to read),
/// <c>secret</c> 32 bytes from the CSPRNG in base64url. Only the SHA-256 of the whole key is stored.
/// </summary>
/// <remarks>
/// A fast hash is right here, unlike for passwords: slow hashes (PBKDF2, bcrypt, Argon2) exist to make guessing
/// low-entropy secrets expensive, but a 256-bit random secret cannot be guessed at any hash speed, so a leaked hash
/// gives nothing away, and no salt is needed either (no table can precompute 2^256 inputs). SHA-256 keeps the check
/// to about a microsecond on every request.
/// </remarks>
public static partial class ApiKeyFormat
{
    public const string Prefix = "tsk_";
    public const int IdLength = 12;
    private const int SecretBytes = 32;
    private static readonly int KeyLength = Prefix.Length + IdLength + 1 + Base64Url.GetEncodedLength(SecretBytes);

    /// <summary>A new key and its id.</summary>
    public static (string Id, string Key) Generate()
    {
        var id = RandomNumberGenerator.GetHexString(IdLength, lowercase: true);
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, $"{Prefix}{id}_{secret}");
    }

    /// <summary>The id inside a key, if the text has the shape of one (no storage is read for anything else).</summary>
    public static bool TryGetId(string key, out string id)
    {
        id = string.Empty;
        if (key.Length != KeyLength || !KeyPattern().IsMatch(key))
        {
            return false;
        }

        id = key.Substring(Prefix.Length, IdLength);
        return true;
    }

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static bool IsValidTierName(string? name) => name is not null && TierPattern().IsMatch(name);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [GeneratedRegex("^tsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TierPattern();
}
