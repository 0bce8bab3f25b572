using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace EdgeImages.Origin.Security;

/// <summary>
/// Tenant API keys: <c>{keyId}.{secret}</c>, a public 16-character id to find the row and revoke by, and 32 random
/// bytes in base64url. Only SHA-256 of the whole key is stored. A slow KDF (bcrypt, Argon2) protects guessable
/// passwords; 256 random bits are not guessable at any hash speed, and a deliberately slow hash on every write
/// would hand anyone with a made-up key a cheap way to burn the origin's CPU.
/// </summary>
internal static class ApiKeys
{
    public const int KeyIdLength = 16;
    private const int SecretBytes = 32;
    private const string KeyIdAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private static readonly SearchValues<char> KeyIdChars = SearchValues.Create(KeyIdAlphabet);

    public static (string KeyId, string Key) Create()
    {
        var keyId = RandomNumberGenerator.GetString(KeyIdAlphabet, KeyIdLength);
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return (keyId, $"{keyId}.{secret}");
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The key id of something shaped like a key; false for anything else (no lookup is worth doing then).</summary>
    public static bool TryGetKeyId(string key, out string keyId)
    {
        keyId = "";
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot != KeyIdLength || key.Length > 128 || key.AsSpan(0, dot).ContainsAnyExcept(KeyIdChars))
        {
            return false;
        }

        keyId = key[..dot];
        return true;
    }

    public static bool IsValidKeyId(string keyId) => keyId.Length == KeyIdLength && !keyId.AsSpan().ContainsAnyExcept(KeyIdChars);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
