namespace EdgeImages.Edge.Http;

/// <summary>
/// The one rule for how long others may keep an answer to a URL that may carry <c>exp</c>: a URL that stops working at
/// an instant is <c>private</c> (no shared cache keeps it) and is kept no longer than the whole seconds left until then;
/// any other is <c>public</c> for as long as the answer stays right. Images and cacheable errors (404) both use it.
/// </summary>
internal static class CacheControlValue
{
    /// <param name="freshFor">How long the answer itself stays right (the tenant's max-age, a year when pinned, the 404 TTL).</param>
    /// <param name="expiresAt">The URL's <c>exp</c>, or null.</param>
    /// <param name="now">The edge's clock.</param>
    public static string For(TimeSpan freshFor, DateTimeOffset? expiresAt, DateTimeOffset now) => expiresAt is { } at
        ? $"private, max-age={Math.Min(Seconds(freshFor), SecondsLeft(now, at))}"
        : $"public, max-age={Seconds(freshFor)}";

    private static long Seconds(TimeSpan duration) => (long)duration.TotalSeconds;

    // Rounded down: a cache told to keep a response one second too long would serve it after the URL stopped working.
    private static long SecondsLeft(DateTimeOffset now, DateTimeOffset expiresAt) =>
        Math.Max(0, (long)Math.Floor((expiresAt - now).TotalSeconds));
}
