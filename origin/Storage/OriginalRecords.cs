namespace EdgeImages.Origin.Storage;

/// <summary>What an upload is, once sniffed and hashed: everything stored beside its bytes.</summary>
internal sealed record NewVersion(
    string Tenant,
    string Path,
    string Version,
    byte[] ContentHash,
    long Bytes,
    int Width,
    int Height,
    string Format,
    string ContentType,
    DateTimeOffset CreatedAt);

/// <summary>A stored version's metadata (no bytes).</summary>
internal sealed record StoredVersion(
    string Tenant,
    string Path,
    string Version,
    long Generation,
    byte[] ContentHash,
    long Bytes,
    int Width,
    int Height,
    string Format,
    string ContentType,
    DateTimeOffset CreatedAt);

/// <summary>One line of a listing.</summary>
internal sealed record ListedOriginal(string Path, string Version, long Bytes, int Width, int Height, string Format, DateTimeOffset UpdatedAt);
