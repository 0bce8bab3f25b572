using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EdgeImages.Sdk.Signing;

/// <summary>Computes URL signatures: <c>{kid}.{mac}</c>, the MAC being the first 16 bytes of HMAC-SHA256 in base64url.</summary>
public static class UrlSigner
{
    /// <summary>Bytes of the HMAC kept in a signature: 128 bits is ample against forgery and keeps URLs short.</summary>
    internal const int MacBytes = 16;

    /// <summary>Characters of a MAC in base64url without padding.</summary>
    internal const int MacChars = 22;

    // Messages up to this many UTF-8 bytes are encoded on the stack; longer ones (rare: paths are capped at 1 KiB)
    // borrow from the array pool.
    private const int StackLimit = 2048;

    /// <summary>Signs a message: the wire path after the signature segment, <c>/{options}/{tenant}/{path}</c>.</summary>
    /// <param name="key">An <see cref="SigningKeyState.Active"/> key bound to the message's tenant.</param>
    /// <param name="message">The path exactly as it will be sent, percent-encoding included.</param>
    /// <returns>The signature segment, <c>{kid}.{mac}</c>.</returns>
    /// <exception cref="ArgumentException">The key is not active (verify-only and retired keys must not sign), or it
    /// is not bound to the tenant the message names: the edge would refuse the URL, so it is never written.</exception>
    public static string Sign(SigningKey key, ReadOnlySpan<char> message)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.State != SigningKeyState.Active)
        {
            throw new ArgumentException($"key '{key.Id}' is {key.State} and may not sign; sign with an active key", nameof(key));
        }

        if (!key.Tenants.Allows(TenantOf(message)))
        {
            throw new ArgumentException(
                $"key '{key.Id}' is not valid for tenant '{Urls.UrlError.Quote(TenantOf(message))}'; it signs for {key.Tenants}", nameof(key));
        }

        Span<byte> mac = stackalloc byte[MacBytes];
        ComputeMac(key.Secret, message, mac);
        return string.Concat(key.Id, ".", Base64Url.EncodeToString(mac));
    }

    /// <summary>
    /// The tenant segment of a signed message, <c>/{options}/{tenant}/{path}</c>, exactly as sent; empty when the message
    /// has none. Not validated: a malformed tenant is simply not one a key is bound to.
    /// </summary>
    internal static ReadOnlySpan<char> TenantOf(ReadOnlySpan<char> message)
    {
        if (message.IsEmpty || message[0] != '/')
        {
            return [];
        }

        var afterOptions = message[1..].IndexOf('/');
        if (afterOptions < 0)
        {
            return [];
        }

        var rest = message[(afterOptions + 2)..];
        var end = rest.IndexOf('/');
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>Writes the first <see cref="MacBytes"/> bytes of HMAC-SHA256(secret, UTF-8(message)) into <paramref name="mac"/>.</summary>
    internal static void ComputeMac(ReadOnlyMemory<byte> secret, ReadOnlySpan<char> message, Span<byte> mac)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(message.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(message, buffer);
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HmacContexts.Compute(secret, buffer[..length], hash);
            hash[..MacBytes].CopyTo(mac);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
