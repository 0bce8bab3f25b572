using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeImages.Sdk.AspNetCore;

/// <summary>
/// Signs image URLs and srcsets with the configured key: what the tag helper uses, and what pages call for a URL
/// outside an <c>&lt;img&gt;</c> (a link, a CSS background). Sources are written <c>{tenant}/{path}</c>.
/// </summary>
public sealed class EdgeImageUrls
{
    private readonly Lazy<(ImageUrlBuilder Urls, SrcsetBuilder Srcset)?> _builders;
    private readonly Uri? _baseUrl;

    /// <summary>Created by the container; see <c>AddEdgeImages</c>.</summary>
    /// <param name="options">Base URL and key.</param>
    /// <param name="services">Where an <see cref="ISigningKeyProvider"/> is looked up when no secret is configured.</param>
    public EdgeImageUrls(IOptions<EdgeImageUrlOptions> options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var value = options.Value;
        _baseUrl = value.BaseUrl;
        _builders = new(() => ResolveKey(value, services) is { } key
            ? (new ImageUrlBuilder(key), new SrcsetBuilder(new ImageUrlBuilder(key), value.BaseUrl))
            : null);
    }

    /// <summary>True when a key that may sign is configured; a page can show a notice instead of broken images.</summary>
    public bool CanSign => _builders.Value is not null;

    /// <summary>The signed URL of one image.</summary>
    /// <param name="source"><c>{tenant}/{path}</c>, the path decoded (e.g. <c>acme/a b/café.png</c>).</param>
    /// <param name="options">The options segment, e.g. <c>w:400,h:300</c>, or <c>-</c> for the original.</param>
    /// <exception cref="FormatException">The options break a rule of the URL format.</exception>
    /// <exception cref="ArgumentException">The source breaks a rule of the URL format.</exception>
    /// <exception cref="InvalidOperationException">No signing key is configured.</exception>
    public string Url(string source, string options) => Url(source, TransformOptions.Parse(options));

    /// <summary>The signed URL of one image.</summary>
    /// <param name="source"><c>{tenant}/{path}</c>, the path decoded.</param>
    /// <param name="options">The transformation.</param>
    /// <exception cref="ArgumentException">The source or options break a rule of the URL format, or the key is not
    /// bound to the source's tenant.</exception>
    /// <exception cref="InvalidOperationException">No signing key is configured.</exception>
    public string Url(string source, TransformOptions options)
    {
        var (tenant, path) = SplitSource(source);
        var urls = Builders.Urls;
        return _baseUrl is null ? urls.Build(options, tenant, path) : urls.Build(_baseUrl, options, tenant, path);
    }

    /// <summary>
    /// The signed URL of the edge's <c>f:json</c> answer for the image these options make: the same options with the
    /// format replaced (<c>f:json</c> alone for the original, <c>-</c>).
    /// </summary>
    /// <param name="source"><c>{tenant}/{path}</c>, the path decoded.</param>
    /// <param name="options">The image's transformation.</param>
    /// <exception cref="ArgumentException">The source or options break a rule of the URL format, or the key is not
    /// bound to the source's tenant.</exception>
    /// <exception cref="InvalidOperationException">No signing key is configured.</exception>
    public string InfoUrl(string source, TransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Url(source, options.IsPassThrough ? new TransformOptions { Format = ImageFormat.Json } : options with { Format = ImageFormat.Json });
    }

    /// <summary>The srcset writer, signing with the configured key and writing URLs under the base URL.</summary>
    /// <exception cref="InvalidOperationException">No signing key is configured.</exception>
    public SrcsetBuilder Srcset => Builders.Srcset;

    /// <summary>Cuts <c>{tenant}/{path}</c> at its first '/'.</summary>
    /// <exception cref="ArgumentException">There is no '/' with text on both sides.</exception>
    public static (string Tenant, string Path) SplitSource(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == source.Length - 1)
        {
            throw new ArgumentException("an image source is written {tenant}/{path}, e.g. acme/photos/cat.jpg", nameof(source));
        }

        return (source[..slash], source[(slash + 1)..]);
    }

    private (ImageUrlBuilder Urls, SrcsetBuilder Srcset) Builders =>
        _builders.Value ?? throw new InvalidOperationException(
            "EdgeImages cannot sign: configure KeyId, Secret and Tenants, or KeyId of an active key in the registered ISigningKeyProvider (services.AddEdgeImages(...)).");

    private static SigningKey? ResolveKey(EdgeImageUrlOptions options, IServiceProvider services)
    {
        if (options.KeyId is not { } kid)
        {
            return null;
        }

        if (options.Secret is { } secret)
        {
            return new SigningKey(kid, HexSecret.Parse(secret), KeyTenants.Parse(options.Tenants));
        }

        return services.GetService<ISigningKeyProvider>() is { } keys && keys.TryGetKey(kid, out var key) && key.State == SigningKeyState.Active
            ? key
            : null;
    }
}
