using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Sdk.AspNetCore;

/// <summary>
/// Where signed image URLs point and which key signs them. Either <see cref="KeyId"/> with <see cref="Secret"/> and
/// <see cref="Tenants"/>, or
/// <see cref="KeyId"/> alone to take that key from the <see cref="ISigningKeyProvider"/> registered in the container
/// (as the edge does with its own key ring).
/// </summary>
public sealed class EdgeImageUrlOptions
{
    /// <summary>The edge's address, e.g. <c>https://img.example.com/</c>. Null writes root-relative URLs, for pages
    /// served by the edge itself.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The id of the key that signs (<c>kid</c>), 1 to 16 characters of <c>[a-z0-9-]</c>.</summary>
    public string? KeyId { get; set; }

    /// <summary>The key's secret in hex, at least 16 bytes. Keep it in a secret store, not in appsettings.json.
    /// Null to take the key from <see cref="ISigningKeyProvider"/>.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// The tenants the key was issued for, comma-separated (<c>acme,acme-staging</c>), or <c>*</c> for a platform key;
    /// required with <see cref="Secret"/>. The signer refuses a source of any other tenant rather than write a URL that
    /// every edge would answer with 403. A key taken from <see cref="ISigningKeyProvider"/> brings its own.
    /// </summary>
    public string? Tenants { get; set; }

    /// <summary>How pages fetch the edge's <c>f:json</c> answer for placeholders and intrinsic sizes.</summary>
    public EdgeImageInfoOptions Info { get; set; } = new();
}

/// <summary>Refuses to start on options that could never sign, naming the setting.</summary>
internal sealed class EdgeImageUrlOptionsValidator : IValidateOptions<EdgeImageUrlOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeImageUrlOptions options)
    {
        var errors = new List<string>();
        if (options.KeyId is { } kid && !SigningKey.IsValidId(kid))
        {
            errors.Add("EdgeImages: KeyId must be 1 to 16 characters of [a-z0-9-].");
        }

        if (options.Secret is { } secret)
        {
            if (options.KeyId is null)
            {
                errors.Add("EdgeImages: a Secret needs its KeyId.");
            }

            if (!KeyTenants.TryParse(options.Tenants, out _, out var tenantsError))
            {
                errors.Add($"EdgeImages: Tenants: {tenantsError}.");
            }

            if (!HexSecret.TryParse(secret, out var bytes, out var error))
            {
                errors.Add($"EdgeImages: Secret: {error}");
            }
            else if (bytes.Length < SigningKey.MinSecretBytes)
            {
                errors.Add($"EdgeImages: Secret must be at least {SigningKey.MinSecretBytes} bytes ({SigningKey.MinSecretBytes * 2} hex digits).");
            }
        }

        if (options.BaseUrl is { } baseUrl && (!baseUrl.IsAbsoluteUri || baseUrl.Query.Length > 0 || baseUrl.Fragment.Length > 0))
        {
            errors.Add("EdgeImages: BaseUrl must be absolute, without query or fragment.");
        }

        var info = options.Info;
        if (info is null || info.Timeout <= TimeSpan.Zero || info.Cooldown < TimeSpan.Zero || info.MaxCacheDuration < TimeSpan.Zero
            || info.FailureCacheDuration < TimeSpan.Zero || info.CacheEntries < 1)
        {
            errors.Add("EdgeImages: Info needs a positive Timeout and CacheEntries, and durations that are not negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
