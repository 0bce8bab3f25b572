using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeImages.Hosting.Security;

/// <summary>
/// The one reader of <c>Authorization: Bearer {token}</c> for every service's authentication handler. The scheme is
/// case-insensitive (RFC 9110 §11.1); a header sent twice is refused, so two proxies cannot disagree on which one
/// counted.
/// </summary>
public static class BearerToken
{
    private const string Scheme = "Bearer";

    /// <summary>The token, or null when there is no single Bearer credential with a non-empty token.</summary>
    public static string? From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[HeaderNames.Authorization];
        if (header.Count != 1 || header[0] is not { } value)
        {
            return null;
        }

        var span = value.AsSpan().Trim();
        if (span.Length <= Scheme.Length || !span.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || span[Scheme.Length] != ' ')
        {
            return null;
        }

        var token = span[(Scheme.Length + 1)..].Trim();
        return token.IsEmpty ? null : token.ToString();
    }
}
