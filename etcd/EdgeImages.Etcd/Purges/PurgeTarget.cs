using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Etcd.Purges;

/// <summary>What a purge names.</summary>
public enum PurgeScope
{
    /// <summary>Every variant of one original.</summary>
    Original,

    /// <summary>Every variant of every original below a folder (a prefix at a folder boundary).</summary>
    Folder,

    /// <summary>Every variant of the tenant.</summary>
    Tenant,
}

/// <summary>
/// One purge, in the one model the admin API, the stored event, the edge and the dashboard share: a tenant and, for
/// an original or a folder, its path decoded and checked by the URL format's own path rules (<see cref="ImagePaths"/>),
/// so that a purge names an original exactly as an image URL does. <c>a%20b/caf%C3%A9.png</c> in a request is
/// <c>a b/café.png</c> here, which is what the edge tags its variants with.
/// </summary>
public sealed record PurgeTarget
{
    private PurgeTarget(string tenant, PurgeScope scope, string? path)
    {
        Tenant = tenant;
        Scope = scope;
        Path = path;
    }

    public string Tenant { get; }

    public PurgeScope Scope { get; }

    /// <summary>The decoded path of the original, or the decoded folder ending in '/'; null for a whole tenant.</summary>
    public string? Path { get; }

    /// <summary>Folders above the original, or the folder's depth (<c>a/b/</c> is 2); 0 for a whole tenant.</summary>
    public int Depth => Path is null ? 0 : Path.Count(c => c == '/');

    /// <summary>For the audit log and the answer: <c>original acme/a b/café.png</c>, <c>folder acme/photos/</c>, <c>tenant acme</c>.</summary>
    public string What => Scope switch
    {
        PurgeScope.Original => $"original {Tenant}/{Path}",
        PurgeScope.Folder => $"folder {Tenant}/{Path}",
        _ => $"tenant {Tenant}",
    };

    /// <summary>For lists: <c>acme/a b/café.png</c>, <c>acme/photos/</c>, <c>acme</c>.</summary>
    public string Display => Path is null ? Tenant : $"{Tenant}/{Path}";

    /// <summary>
    /// Reads a purge request as the admin API receives it: <paramref name="path"/> and <paramref name="prefix"/> are
    /// written as in an image URL (percent-encoded, no leading '/'), at most one of them, a prefix ending in '/'.
    /// </summary>
    /// <returns>Null when valid; else the problem, fit to show to the caller.</returns>
    public static string? TryParse(string? tenant, string? path, string? prefix, out PurgeTarget? target)
    {
        target = null;
        if (tenant is null || ImagePaths.ValidateTenant(tenant) is not null)
        {
            return "'tenant' must be 1 to 63 characters of [a-z0-9-].";
        }

        switch (path, prefix)
        {
            case (null, null):
                target = new PurgeTarget(tenant, PurgeScope.Tenant, null);
                return null;
            case ({ } encoded, null):
                if (ImagePaths.Decode(encoded, out var decoded) is { } error)
                {
                    return $"'path': {error.Detail}.";
                }

                target = new PurgeTarget(tenant, PurgeScope.Original, decoded);
                return null;
            case (null, { } encoded):
                if (!encoded.EndsWith('/'))
                {
                    return "'prefix' must be a folder, ending in '/'.";
                }

                // The folder's segments follow the path rules; the trailing '/' marks it as a folder.
                if (ImagePaths.Decode(encoded.AsSpan(0, encoded.Length - 1), out var folder) is { } folderError)
                {
                    return $"'prefix': {folderError.Detail}.";
                }

                target = new PurgeTarget(tenant, PurgeScope.Folder, folder + "/");
                return null;
            default:
                return "Give 'path' (one original), or 'prefix' ending in '/' (a folder), or neither (the whole tenant).";
        }
    }

    /// <summary>An original by its decoded path; throws when the path breaks the rules.</summary>
    public static PurgeTarget ForOriginal(string tenant, string path) =>
        FromDecoded(tenant, path, null) ?? throw new ArgumentException($"Not a valid original: {tenant}/{path}", nameof(path));

    /// <summary>A folder by its decoded prefix ending in '/'; throws when it breaks the rules.</summary>
    public static PurgeTarget ForFolder(string tenant, string prefix) =>
        FromDecoded(tenant, null, prefix) ?? throw new ArgumentException($"Not a valid folder: {tenant}/{prefix}", nameof(prefix));

    public static PurgeTarget ForTenant(string tenant) =>
        FromDecoded(tenant, null, null) ?? throw new ArgumentException($"Not a valid tenant: {tenant}", nameof(tenant));

    /// <summary>
    /// The target of a stored event, checked again: etcd can be written by more than the admin API. Null when the
    /// event names nothing valid.
    /// </summary>
    public static PurgeTarget? FromDocument(PurgeDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return FromDecoded(document.Tenant, NullIfEmpty(document.Path), NullIfEmpty(document.Prefix));
    }

    public PurgeDocument ToDocument(string id, string by, DateTimeOffset at) => new(
        id, Tenant, Scope == PurgeScope.Original ? Path : null, Scope == PurgeScope.Folder ? Path : null, What, by, at);

    /// <summary>Whether the original at <paramref name="path"/> (decoded) of <paramref name="tenant"/> is purged by this.</summary>
    public bool Covers(string tenant, string path) =>
        string.Equals(tenant, Tenant, StringComparison.Ordinal) && Scope switch
        {
            PurgeScope.Original => string.Equals(path, Path, StringComparison.Ordinal),
            PurgeScope.Folder => path.StartsWith(Path!, StringComparison.Ordinal),
            _ => true,
        };

    private static PurgeTarget? FromDecoded(string tenant, string? path, string? prefix)
    {
        // Encode each decoded segment again and run the wire rules: one set of rules, whichever side the text comes from.
        string? encodedPath = path is null ? null : Encode(path);
        string? encodedPrefix = prefix is { Length: > 1 } && prefix.EndsWith('/') ? Encode(prefix[..^1]) + "/" : prefix;
        if ((path is not null && encodedPath is null) || (prefix is { Length: > 1 } && encodedPrefix is null))
        {
            return null;
        }

        return TryParse(tenant, encodedPath, encodedPrefix, out var target) is null ? target : null;
    }

    private static string? Encode(string decoded)
    {
        try
        {
            return string.Join('/', decoded.Split('/').Select(Uri.EscapeDataString));
        }
        catch (UriFormatException)
        {
            return null; // a lone surrogate: not a path any URL can name
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
