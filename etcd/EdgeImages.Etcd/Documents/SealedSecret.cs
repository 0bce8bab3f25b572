using System.Security.Cryptography;
using System.Text;

namespace EdgeImages.Etcd.Documents;

/// <summary>
/// Signing secrets at rest: AES-256-GCM under the master key, stored as base64 of nonce (12) | ciphertext | tag (16).
/// The key id is the associated data, so a sealed secret copied onto another key's document fails to open instead of
/// silently verifying as it. The control plane seals; edges open.
/// </summary>
public static class SealedSecret
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static string Seal(byte[] masterKey, string kid, ReadOnlySpan<byte> secret)
    {
        var sealedBytes = new byte[NonceSize + secret.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(masterKey, TagSize);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(NonceSize, secret.Length), sealedBytes.AsSpan(NonceSize + secret.Length), Encoding.UTF8.GetBytes(kid));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <returns>The secret, or null when it does not open (wrong master key, another key's document, damaged).</returns>
    public static byte[]? Open(byte[] masterKey, string kid, string sealedSecret)
    {
        try
        {
            var bytes = Convert.FromBase64String(sealedSecret);
            if (bytes.Length < NonceSize + TagSize + 1)
            {
                return null;
            }

            var secret = new byte[bytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(masterKey, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, secret.Length), bytes.AsSpan(NonceSize + secret.Length), secret, Encoding.UTF8.GetBytes(kid));
            return secret;
        }
        catch (Exception exception) when (exception is FormatException or CryptographicException)
        {
            return null;
        }
    }
}
