using EdgeImages.Etcd.Purges;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// The purge handles of a variant: its tenant, its original, and the folders above the original down to
/// <see cref="MaxFolderTags"/> levels. Purging by original, by folder or by tenant is then one tag each. A path may
/// have up to 512 folders (1024 bytes); tagging every one would cost a path's length squared in tags per entry, so a
/// path is tagged with its top 8 folders only. A purge of a deeper folder evicts by its 8th-level ancestor and keeps,
/// in memory, whatever lies outside the folder (<see cref="For(PurgeTarget)"/>): all of the folder goes, nothing else.
/// </summary>
internal static class CacheTags
{
    /// <summary>The most folder tags one path contributes (its top-level folders first).</summary>
    public const int MaxFolderTags = 8;

    private const string OriginalMark = "o:";

    public static string Tenant(string tenant) => $"t:{tenant}";

    /// <summary>A folder prefix such as <c>photos/2026/</c>; <paramref name="prefix"/> ends with '/'.</summary>
    public static string Prefix(string tenant, string prefix) => $"p:{tenant}/{prefix}";

    public static string Original(string tenant, string path) => $"{OriginalMark}{tenant}/{path}";

    /// <summary>The tags of every variant of the original at <paramref name="path"/> (decoded).</summary>
    public static string[] For(string tenant, string path)
    {
        var tags = new List<string>(4) { Tenant(tenant), Original(tenant, path) };
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0 && tags.Count < 2 + MaxFolderTags; slash = path.IndexOf('/', slash + 1))
        {
            tags.Add(Prefix(tenant, path[..(slash + 1)]));
        }

        return [.. tags];
    }

    /// <summary>
    /// The tag a purge evicts by, and whether everything carrying it is purged (<c>Exact</c>). Not exact only for a
    /// folder deeper than <see cref="MaxFolderTags"/>: its 8th-level ancestor's tag finds every candidate, and the
    /// memory tier keeps those outside the folder. Redis evicts by the tag alone (HybridCache cannot filter), so there
    /// such a purge also evicts the ancestor's other variants: more refetches, never a stale answer.
    /// </summary>
    public static (string Tag, bool Exact) For(PurgeTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Scope switch
        {
            PurgeScope.Original => (Original(target.Tenant, target.Path!), true),
            PurgeScope.Folder when target.Depth <= MaxFolderTags => (Prefix(target.Tenant, target.Path!), true),
            PurgeScope.Folder => (Prefix(target.Tenant, Ancestor(target.Path!, MaxFolderTags)), false),
            _ => (Tenant(target.Tenant), true),
        };
    }

    /// <summary>The tenant and decoded path of the original among an entry's tags.</summary>
    public static bool TryGetOriginal(IReadOnlyList<string> tags, out string tenant, out string path)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var tag in tags)
        {
            if (tag.StartsWith(OriginalMark, StringComparison.Ordinal) && tag.IndexOf('/', OriginalMark.Length) is var slash and > 0)
            {
                (tenant, path) = (tag[OriginalMark.Length..slash], tag[(slash + 1)..]);
                return true;
            }
        }

        (tenant, path) = ("", "");
        return false;
    }

    private static string Ancestor(string folder, int depth)
    {
        var end = -1;
        for (var level = 0; level < depth; level++)
        {
            end = folder.IndexOf('/', end + 1);
        }

        return folder[..(end + 1)];
    }
}
