using Microsoft.Extensions.Primitives;

namespace TaskScheduler.Core.Auth;

/// <summary>Reads the <c>Authorization</c> header: <c>ApiKey &lt;key&gt;</c> or <c>Bearer &lt;jwt&gt;</c>, exactly one.</summary>
public sealed class Authenticator(ApiKeyAuthenticator keys, JwtAuthenticator tokens)
{
    /// <summary>What a 401 advertises in <c>WWW-Authenticate</c>.</summary>
    public const string Challenge = "ApiKey, Bearer";

    private const int MaxHeaderLength = JwtAuthenticator.MaxTokenLength + 16;

    public async ValueTask<AuthenticationResult> AuthenticateAsync(StringValues authorization, CancellationToken cancellationToken)
    {
        if (authorization.Count == 0 || string.IsNullOrWhiteSpace(authorization[0]))
        {
            return AuthenticationResult.Fail("A credential is required: 'Authorization: ApiKey <key>' or 'Authorization: Bearer <jwt>'.");
        }

        if (authorization.Count > 1)
        {
            return AuthenticationResult.Fail("Send exactly one Authorization header.");
        }

        var header = authorization[0]!.Trim();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (header.Length > MaxHeaderLength || space < 0)
        {
            return AuthenticationResult.Fail("The Authorization header must be 'ApiKey <key>' or 'Bearer <jwt>'.");
        }

        var scheme = header[..space];
        var credential = header[(space + 1)..].Trim();
        if (credential.Length == 0)
        {
            return AuthenticationResult.Fail("The Authorization header carries no credential.");
        }

        if (scheme.Equals("ApiKey", StringComparison.OrdinalIgnoreCase))
        {
            return await keys.AuthenticateAsync(credential, cancellationToken);
        }

        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return await tokens.AuthenticateAsync(credential);
        }

        return AuthenticationResult.Fail("The Authorization scheme must be ApiKey or Bearer.");
    }
}
