namespace EdgeImages.Edge.Originals;

/// <summary>The bytes of one version of an original, as the origin stores them.</summary>
/// <param name="Content">The encoded image, untouched.</param>
/// <param name="ContentType">The media type sniffed from the bytes (used for <c>-</c> pass-through).</param>
/// <param name="Version">The origin's id of this version; <c>v:</c> URLs pin it.</param>
internal sealed record Original(ReadOnlyMemory<byte> Content, string ContentType, string Version) : IDisposable
{
    /// <summary>What gives <see cref="Content"/>'s buffer back when it was rented from a pool; null for a plain array.</summary>
    public IDisposable? Owner { get; init; }

    /// <summary>
    /// <see cref="Content"/> as an array of exactly its length: the buffer itself when it is one (no copy),
    /// else a copy (a pooled buffer must go back to its pool).
    /// </summary>
    public byte[] ToExactArray() =>
        Owner is null && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(Content, out var segment)
            && segment is { Array: { } array, Offset: 0 } && segment.Count == array.Length
            ? array
            : Content.ToArray();

    public void Dispose() => Owner?.Dispose();
}

/// <summary>Which original to fetch: a tenant, a decoded path, optionally a pinned version, and the tenant's origin cluster (null: the default).</summary>
internal readonly record struct OriginalKey(string Tenant, string Path, string? Version, string? Origin = null);
