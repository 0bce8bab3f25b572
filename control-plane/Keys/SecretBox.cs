using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Keys;

/// <summary>
/// Seals signing secrets with AES-256-GCM: base64 of nonce (12) | ciphertext | tag (16). The key id is the associated
/// data, so a sealed secret copied onto another key's document fails to open instead of silently verifying as it.
/// The edge opens with the same format (edge/ControlPlane/SecretBox.cs).
/// </summary>
internal sealed class SecretBox(IOptions<SecretsOptions> options)
{
    private readonly byte[] _key = Convert.FromHexString(options.Value.MasterKey!);

    public string Seal(string kid, ReadOnlySpan<byte> secret)
    {
        var sealedBytes = new byte[12 + secret.Length + 16];
        var nonce = sealedBytes.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, secret, sealedBytes.AsSpan(12, secret.Length), sealedBytes.AsSpan(12 + secret.Length), Encoding.UTF8.GetBytes(kid));
        return Convert.ToBase64String(sealedBytes);
    }
}
