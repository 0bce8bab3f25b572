using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeImages.Edge.Transforms;
using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Tenants;

/// <summary>
/// One named watermark of a tenant, as the edge uses it: the decoded path of its image among the tenant's originals,
/// and where and how it is laid over an output. Made from a <see cref="WatermarkDocument"/> that passed
/// <see cref="DocumentRules.Watermarks"/>, whether it came from configuration or from the control plane.
/// </summary>
internal sealed record TenantWatermark(string Name, string Path, WatermarkPlacement Placement)
{
    /// <summary>
    /// A short hash of everything that shapes the result but the image's bytes (path, gravity, margin, width, opacity):
    /// part of the cache key, so that changing any of them never serves a variant made with the old ones. Computed on
    /// each read (a hash of a few dozen bytes): a stored value would survive a <c>with</c> copy that changed the settings.
    /// </summary>
    public string Fingerprint => FingerprintOf(Path, Placement);

    /// <summary>The watermark <paramref name="name"/> of <paramref name="document"/>, which the rules have accepted.</summary>
    public static TenantWatermark From(string name, WatermarkDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (ImagePaths.Decode(document.Path, out var path) is { } error)
        {
            throw new InvalidOperationException($"Watermark '{name}': {error.Detail}");
        }

        var gravity = DocumentRules.WatermarkGravity(document.Gravity ?? WatermarkDocument.DefaultGravity)
            ?? throw new InvalidOperationException($"Watermark '{name}' has no valid gravity.");
        return new TenantWatermark(name, path, new WatermarkPlacement(
            gravity,
            document.Margin ?? WatermarkDocument.DefaultMargin,
            document.Width ?? WatermarkDocument.DefaultWidth,
            document.Opacity ?? WatermarkDocument.DefaultOpacity));
    }

    private static string FingerprintOf(string path, WatermarkPlacement placement)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{path}\n{placement.Gravity}\n{placement.Margin:R}\n{placement.Width:R}\n{placement.Opacity:R}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Base64Url.EncodeToString(hash[..9]);
    }
}
