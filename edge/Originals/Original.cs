namespace EdgeImages.Edge.Originals;

/// <summary>The bytes of one version of an original, as the origin stores them.</summary>
/// <param name="Content">The encoded image, untouched.</param>
/// <param name="ContentType">The media type sniffed from the bytes (used for <c>-</c> pass-through).</param>
/// <param name="Version">The origin's id of this version; <c>v:</c> URLs pin it.</param>
internal sealed record Original(ReadOnlyMemory<byte> Content, string ContentType, string Version);

/// <summary>Which original to fetch: a tenant, a decoded path, optionally a pinned version, and the tenant's origin cluster (null: the default).</summary>
internal readonly record struct OriginalKey(string Tenant, string Path, string? Version, string? Origin = null);
