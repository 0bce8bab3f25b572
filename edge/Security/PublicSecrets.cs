using System.Security.Cryptography;
using System.Text;

namespace EdgeImages.Edge.Security;

/// <summary>
/// Secrets that anyone can read: the URL format's test vectors (in the published spec and the SDK's shared vectors) and
/// the quick start's development key. A key with one of them signs URLs for whoever read the spec, so outside the
/// Development environment the edge refuses to start with it.
/// </summary>
internal static class PublicSecrets
{
    private static readonly (string Name, byte[] Secret)[] Known =
    [
        ("the URL format spec's test key k1", Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")),
        ("the URL format spec's test key 2026a", Encoding.ASCII.GetBytes("correct horse battery staple, but 32+ bytes long!!")),
        ("the SDK test vectors' key k0", Convert.FromHexString("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100")),
        ("the SDK test vectors' key old", Convert.FromHexString("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100")),
        ("the development key of edge/appsettings.Development.json", Convert.FromHexString("6465762d6f6e6c792d6b65792d646f2d6e6f742d7573652d696e2d70726f6421")),
    ];

    /// <summary>What <paramref name="secret"/> is known as, or null when it is not a published one.</summary>
    public static string? NameOf(ReadOnlySpan<byte> secret)
    {
        foreach (var (name, known) in Known)
        {
            if (CryptographicOperations.FixedTimeEquals(secret, known))
            {
                return name;
            }
        }

        return null;
    }
}
