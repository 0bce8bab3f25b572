using EdgeImages.Sdk.Urls;

namespace EdgeImages.Etcd.Documents;

/// <summary>
/// What makes a stored document valid, beyond parsing: the admin API refuses a request that breaks a rule (400), and
/// an edge refuses a document that breaks one (written straight into etcd, or by an older control plane) and keeps
/// its last good value. One set of rules, so the two can never disagree.
/// </summary>
public static class DocumentRules
{
    /// <summary>Every problem of a tenant's settings stored under <paramref name="id"/>, each naming its field; empty when valid.</summary>
    public static IReadOnlyList<string> Tenant(string id, TenantDocument tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var errors = new List<string>();
        if (ImagePaths.ValidateTenant(id) is not null)
        {
            errors.Add("The tenant id must be 1 to 63 characters of [a-z0-9-].");
        }
        else if (!string.Equals(tenant.Id, id, StringComparison.Ordinal))
        {
            errors.Add($"'id' must be the tenant id it is stored under ('{id}').");
        }

        if (tenant.MaxAgeSeconds is < 0 or > 31_536_000)
        {
            errors.Add("'maxAgeSeconds' must be 0 to 31536000.");
        }

        // Each window keeps a copy past its max-age: a week answers a long origin outage, and beyond that the copy
        // is old enough that an error says more than it does.
        if (tenant.StaleWhileRevalidateSeconds is < 0 or > 604_800)
        {
            errors.Add("'staleWhileRevalidateSeconds' must be 0 to 604800.");
        }

        if (tenant.StaleIfErrorSeconds is < 0 or > 604_800)
        {
            errors.Add("'staleIfErrorSeconds' must be 0 to 604800.");
        }

        if (tenant.RequestsPerSecond is <= 0)
        {
            errors.Add("'requestsPerSecond' must be positive (omit it for unlimited).");
        }

        if (tenant.Burst is < 0)
        {
            errors.Add("'burst' must not be negative.");
        }

        if (tenant.AllowedOptions?.Any(o => o is null || !OptionsParser.Names.Contains(o)) == true)
        {
            errors.Add("'allowedOptions' must be option names such as w, h, fit, q.");
        }

        foreach (var (name, value) in tenant.Presets ?? new Dictionary<string, string>())
        {
            if (!Identifier.IsValid(name, Identifier.MaxPresetLength) || string.IsNullOrEmpty(value))
            {
                errors.Add($"'presets.{name}': a preset is a name of [a-z0-9-] and a non-empty option string.");
            }
            else if (OptionsParser.ParsePreset(value).Error is { } error)
            {
                // The grammar the edge reads a preset with: refused here, when stored, rather than as a 400 on every URL.
                errors.Add($"'presets.{name}': {error.Detail}.");
            }
        }

        errors.AddRange(Watermarks(tenant.Watermarks, tenant.DefaultWatermark, tenant.WatermarkRequired));
        return errors;
    }

    /// <summary>
    /// Every problem of a tenant's watermark settings, each naming its field (<c>watermarks.{name}.width</c>); empty when
    /// valid. The edge's configuration (<c>Tenants:{id}:Watermarks</c>) is held to the same rules as the control plane's.
    /// </summary>
    public static IReadOnlyList<string> Watermarks(IReadOnlyDictionary<string, WatermarkDocument>? watermarks, string? defaultWatermark, bool required)
    {
        var errors = new List<string>();
        foreach (var (name, watermark) in watermarks ?? new Dictionary<string, WatermarkDocument>())
        {
            // "none" is what wm:none says, so no watermark may be called that.
            if (!Identifier.IsValid(name, Identifier.MaxPresetLength) || name == TransformOptions.NoWatermark)
            {
                errors.Add($"'watermarks.{name}': a watermark name is 1 to 32 characters of [a-z0-9-], and not 'none'.");
                continue;
            }

            if (watermark is null)
            {
                errors.Add($"'watermarks.{name}' must be an object with a path.");
                continue;
            }

            if (string.IsNullOrEmpty(watermark.Path) || ImagePaths.Decode(watermark.Path, out _) is not null)
            {
                errors.Add($"'watermarks.{name}.path' must be a path of the tenant's originals, written as in an image URL.");
            }

            if (watermark.Gravity is not null && WatermarkGravity(watermark.Gravity) is null)
            {
                errors.Add($"'watermarks.{name}.gravity' must be one of center, n, s, e, w, ne, nw, se, sw.");
            }

            if (watermark.Margin is { } margin && !(margin >= 0 && margin <= 0.5))
            {
                errors.Add($"'watermarks.{name}.margin' must be 0 to 0.5 (a fraction of the output's width).");
            }

            if (watermark.Width is { } width && !(width > 0 && width <= 1))
            {
                errors.Add($"'watermarks.{name}.width' must be above 0 and at most 1 (a fraction of the output's width).");
            }

            if (watermark.Opacity is { } opacity && !(opacity > 0 && opacity <= 1))
            {
                errors.Add($"'watermarks.{name}.opacity' must be above 0 and at most 1.");
            }
        }

        if (defaultWatermark is not null && watermarks?.ContainsKey(defaultWatermark) != true)
        {
            errors.Add($"'defaultWatermark' must name one of the tenant's watermarks ('{defaultWatermark}' is not one).");
        }

        if (required && defaultWatermark is null)
        {
            errors.Add("'watermarkRequired' needs a 'defaultWatermark' to require.");
        }

        return errors;
    }

    /// <summary>
    /// A watermark's gravity by its URL spelling (<c>g:</c>'s compass names and <c>center</c>); null for anything else,
    /// <c>smart</c> and focal points included, which mean nothing for an overlay.
    /// </summary>
    public static GravityKind? WatermarkGravity(string gravity) => gravity switch
    {
        "center" => GravityKind.Center,
        "n" => GravityKind.North,
        "s" => GravityKind.South,
        "e" => GravityKind.East,
        "w" => GravityKind.West,
        "ne" => GravityKind.NorthEast,
        "nw" => GravityKind.NorthWest,
        "se" => GravityKind.SouthEast,
        "sw" => GravityKind.SouthWest,
        _ => null,
    };

    /// <summary>Every problem of a signing key document stored under <paramref name="kid"/>; empty when valid.</summary>
    /// <remarks>Whether the sealed secret opens is for the holder of the master key to say (the edge checks it too).</remarks>
    public static IReadOnlyList<string> SigningKey(string kid, SigningKeyDocument key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var errors = new List<string>();
        if (!Sdk.Signing.SigningKey.IsValidId(kid))
        {
            errors.Add("The key id must be 1 to 16 characters of [a-z0-9-].");
        }
        else if (!string.Equals(key.Kid, kid, StringComparison.Ordinal))
        {
            errors.Add($"'kid' must be the key id it is stored under ('{kid}').");
        }

        if (key.State is not (SigningKeyDocument.Active or SigningKeyDocument.VerifyOnly or SigningKeyDocument.Retired))
        {
            errors.Add("'state' must be active, verify-only or retired.");
        }

        if (string.IsNullOrEmpty(key.Secret))
        {
            errors.Add("'secret' must be the sealed secret.");
        }

        return errors;
    }

    /// <summary>Every problem of a region's cache generation document; empty when valid.</summary>
    public static IReadOnlyList<string> CacheGeneration(string region, CacheGenerationDocument generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var errors = new List<string>();
        if (!string.Equals(generation.Region, region, StringComparison.Ordinal))
        {
            errors.Add($"'region' must be the region it is stored under ('{region}').");
        }

        if (generation.Generation < 0)
        {
            errors.Add("'generation' must not be negative.");
        }

        return errors;
    }
}
