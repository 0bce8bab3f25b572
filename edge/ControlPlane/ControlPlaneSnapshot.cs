using System.Collections.Immutable;
using System.Text.Json;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// What the edge holds from the control plane at one etcd revision: signing keys (secrets still sealed), tenants,
/// whether its PoP is drained, and its region's Redis generation. Immutable; a change builds a new one and swaps the reference.
/// </summary>
internal sealed record ControlPlaneSnapshot
{
    public static ControlPlaneSnapshot Empty { get; } = new();

    public long Revision { get; init; }

    public ImmutableDictionary<string, SigningKeyDocument> Keys { get; init; } = ImmutableDictionary<string, SigningKeyDocument>.Empty;

    public ImmutableDictionary<string, TenantDocument> Tenants { get; init; } = ImmutableDictionary<string, TenantDocument>.Empty;

    public bool Drained { get; init; }

    /// <summary>The region's Redis generation (<c>cache-generations/{region}</c>); 0 until an edge of the region raises it.</summary>
    public long CacheGeneration { get; init; }

    /// <summary>Where it came from: <c>etcd</c>, <c>file</c> (the last known good, read at start) or <c>none</c>.</summary>
    public string Source { get; init; } = "none";
}

/// <summary>The snapshot on local disk, written atomically: a crash mid-write leaves the previous file, never half of one.</summary>
internal static class SnapshotFile
{
    private sealed record Content(long Revision, IReadOnlyList<SigningKeyDocument> Keys, IReadOnlyList<TenantDocument> Tenants, bool Drained, long CacheGeneration = 0);

    public static void Write(string path, ControlPlaneSnapshot snapshot)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(
            new Content(snapshot.Revision, [.. snapshot.Keys.Values], [.. snapshot.Tenants.Values], snapshot.Drained, snapshot.CacheGeneration), DocumentJson.Options);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            stream.Write(bytes);
            // fsync before the rename: otherwise a power cut can leave the new name pointing at empty blocks.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, full, overwrite: true);
    }

    public static ControlPlaneSnapshot? TryRead(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var content = JsonSerializer.Deserialize<Content>(File.ReadAllBytes(path), DocumentJson.Options);
            return content is null
                ? null
                : new ControlPlaneSnapshot
                {
                    Revision = content.Revision,
                    Keys = content.Keys.ToImmutableDictionary(k => k.Kid, StringComparer.Ordinal),
                    Tenants = content.Tenants.ToImmutableDictionary(t => t.Id, StringComparer.Ordinal),
                    Drained = content.Drained,
                    CacheGeneration = content.CacheGeneration,
                    Source = "file",
                };
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
