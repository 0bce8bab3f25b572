using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace EdgeImages.ControlPlane.Admin;

/// <summary>
/// API keys are <c>{id}.{secret}</c>: a public 16-character id to find and revoke the key by, and 32 random bytes.
/// Only SHA-256 of the whole key is stored. A slow KDF protects guessable passwords; 256 random bits are not
/// guessable at any hash speed, and a slow hash per request would give anyone a cheap way to burn CPU.
/// </summary>
internal static class ApiKeys
{
    private const int IdLength = 16;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly SearchValues<char> IdChars = SearchValues.Create(Alphabet);

    public static (string Id, string Key) Create()
    {
        var id = RandomNumberGenerator.GetString(Alphabet, IdLength);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (id, $"{id}.{secret}");
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool TryGetId(string key, out string id)
    {
        id = "";
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot != IdLength || key.Length > 128 || key.AsSpan(0, dot).ContainsAnyExcept(IdChars))
        {
            return false;
        }

        id = key[..dot];
        return true;
    }
}
