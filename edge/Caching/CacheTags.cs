namespace EdgeImages.Edge.Caching;

/// <summary>
/// The purge handles of a variant: its tenant, every folder above its original, and the original itself.
/// Purging by original, by path prefix (at folder boundaries) or by tenant is then one tag each.
/// </summary>
internal static class CacheTags
{
    public static string Tenant(string tenant) => $"t:{tenant}";

    /// <summary>A folder prefix such as <c>photos/2026/</c>; <paramref name="prefix"/> ends with '/'.</summary>
    public static string Prefix(string tenant, string prefix) => $"p:{tenant}/{prefix}";

    public static string Original(string tenant, string path) => $"o:{tenant}/{path}";

    public static string[] For(string tenant, string path)
    {
        var tags = new List<string>(4) { Tenant(tenant), Original(tenant, path) };
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            tags.Add(Prefix(tenant, path[..(slash + 1)]));
        }

        return [.. tags];
    }
}
