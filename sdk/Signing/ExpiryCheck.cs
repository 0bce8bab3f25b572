using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Signing;

/// <summary>Enforces <c>exp</c>; runs after the signature is verified and the options parsed.</summary>
public static class ExpiryCheck
{
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>An <see cref="UrlErrorKind.Expired"/> error (403) when <paramref name="now"/> is after the URL's <c>exp</c>.</summary>
    /// <param name="options">Parsed options; without <c>exp</c> the URL never expires.</param>
    /// <param name="now">The current instant. <c>exp</c> is inclusive: at exactly that instant the URL still works.</param>
    /// <returns>Null while the URL is valid.</returns>
    public static UrlError? CheckExpiry(TransformOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ExpiresAt is not { } exp || exp > MaxUnixSeconds)
        {
            return null;
        }

        return now > DateTimeOffset.FromUnixTimeSeconds(exp)
            ? new UrlError(UrlErrorKind.Expired, "URL has expired")
            : null;
    }

    /// <summary>As <see cref="CheckExpiry(TransformOptions, DateTimeOffset)"/>, reading the time from a <see cref="TimeProvider"/>.</summary>
    /// <param name="options">Parsed options.</param>
    /// <param name="time">The clock; tests pass a fake one.</param>
    public static UrlError? CheckExpiry(TransformOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return CheckExpiry(options, time.GetUtcNow());
    }
}
