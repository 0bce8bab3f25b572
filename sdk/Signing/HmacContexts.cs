using System.Security.Cryptography;

namespace EdgeImages.Sdk.Signing;

/// <summary>
/// HMAC-SHA256 contexts kept per thread and per secret. The one-shot <see cref="HMACSHA256.HashData(ReadOnlySpan{byte},
/// ReadOnlySpan{byte}, Span{byte})"/> makes a new OpenSSL context on every call (algorithm fetch, allocation, key
/// schedule, free), which measured twice the cost of the MAC itself for a URL-sized message; the edge verifies a
/// signature on every request with the same few keys. A context is reset after each MAC, so it never carries one
/// message into the next. A key rotated out keeps its context on a thread until four other keys have been used there
/// (its secret stays in the process either way until its <see cref="SigningKey"/> is collected).
/// </summary>
internal static class HmacContexts
{
    // A few keys are live at once (the active one and those being rotated out); a thread seldom sees more.
    private const int PerThread = 4;

    [ThreadStatic]
    private static Entry[]? t_entries;

    /// <summary>The MAC of <paramref name="message"/> under <paramref name="secret"/> into <paramref name="hash"/> (32 bytes).</summary>
    /// <param name="secret">The key's secret, identified by its memory: a key's secret is copied in once and never changes.</param>
    /// <param name="message">The bytes to authenticate.</param>
    /// <param name="hash">Where the 32-byte MAC goes.</param>
    public static void Compute(ReadOnlyMemory<byte> secret, ReadOnlySpan<byte> message, Span<byte> hash)
    {
        var hmac = For(secret);
        hmac.AppendData(message);
        hmac.GetHashAndReset(hash);
    }

    private static IncrementalHash For(ReadOnlyMemory<byte> secret)
    {
        var entries = t_entries ??= new Entry[PerThread];
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i] is { } entry && entry.Secret.Equals(secret))
            {
                return entry.Hmac;
            }
        }

        // Not seen on this thread: the least recently added entry makes room (its context freed at once, not at finalization).
        var created = new Entry(secret, IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret.Span));
        entries[^1]?.Hmac.Dispose();
        Array.Copy(entries, 0, entries, 1, entries.Length - 1);
        entries[0] = created;
        return created.Hmac;
    }

    private sealed record Entry(ReadOnlyMemory<byte> Secret, IncrementalHash Hmac);
}
