using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeImages.Sdk.Urls;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeImages.Sdk.AspNetCore;

/// <summary>
/// Fetches the edge's <c>f:json</c> answer while a page renders, as a production page can afford to: at most
/// <see cref="EdgeImageInfoOptions.Timeout"/> per image, each answer kept in memory (bounded in entries, for the edge's
/// <c>max-age</c> at most), concurrent renders of one image sharing one fetch, failures remembered briefly, and an edge
/// that does not answer skipped for <see cref="EdgeImageInfoOptions.Cooldown"/>. Every failure is a null, never an
/// exception: a page without placeholders is better than a page that fails.
/// </summary>
/// <remarks>
/// What comes back is written into the page, so it is not trusted: a placeholder that is not a base64 WebP
/// <c>data:</c> URI, or a colour that is not <c>#rrggbb</c>, makes the whole answer a failure.
/// </remarks>
public sealed partial class EdgeImageInfoClient : IDisposable
{
    /// <summary>The name of the <see cref="HttpClient"/> it asks <see cref="IHttpClientFactory"/> for; configure it to add handlers.</summary>
    public const string HttpClientName = "EdgeImages.Info";

    // The answer is a few hundred bytes of JSON and a placeholder of at most 32x32 pixels; anything far larger is not one.
    private const int MaxAnswerBytes = 64 * 1024;
    private const string PlaceholderPrefix = "data:image/webp;base64,";

    private readonly IHttpClientFactory _http;
    private readonly EdgeImageUrls _urls;
    private readonly EdgeImageInfoOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MemoryCache _cache;
    private readonly Lock _gate = new();
    private DateTimeOffset _skipUntil;

    /// <summary>Created by the container; see <c>AddEdgeImages</c>.</summary>
    /// <param name="http">Makes the <see cref="HttpClient"/> named <see cref="HttpClientName"/>.</param>
    /// <param name="urls">Signs the <c>f:json</c> URLs.</param>
    /// <param name="options">The <see cref="EdgeImageUrlOptions.Info"/> settings.</param>
    /// <param name="time">The clock of the cache and the cooldown.</param>
    /// <param name="logger">Where failures are reported.</param>
    public EdgeImageInfoClient(IHttpClientFactory http, EdgeImageUrls urls, IOptions<EdgeImageUrlOptions> options, TimeProvider time, ILogger<EdgeImageInfoClient> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _http = http;
        _urls = urls;
        _options = options.Value.Info;
        _time = time;
        _logger = logger;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.CacheEntries });
    }

    /// <summary>The edge's answer for the image <paramref name="options"/> make of <paramref name="source"/>, or null when it cannot be had in time.</summary>
    /// <param name="source"><c>{tenant}/{path}</c>, the path decoded.</param>
    /// <param name="options">The image's transformation.</param>
    /// <param name="site">
    /// Where a root-relative URL points (no <see cref="EdgeImageUrlOptions.BaseUrl"/>: the page is served by the edge
    /// itself): the scheme and address of the server rendering the page. Never the request's <c>Host</c>, which the
    /// client writes. Null gives null for root-relative URLs.
    /// </param>
    /// <param name="cancellationToken">Stops waiting (the fetch itself goes on for others who share it).</param>
    /// <exception cref="ArgumentException">The source or options break a rule of the URL format.</exception>
    public async Task<EdgeImageInfo?> GetAsync(string source, TransformOptions options, Uri? site, CancellationToken cancellationToken)
    {
        var url = _urls.InfoUrl(source, options);
        var absolute = url.StartsWith('/') ? site?.GetLeftPart(UriPartial.Authority) + url : url;
        if (!absolute.StartsWith("http", StringComparison.Ordinal))
        {
            return null;
        }

        Task<EdgeImageInfo?> answer;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_cache.TryGetValue(absolute, out Entry? entry) && entry!.FreshUntil > now)
            {
                answer = entry.Answer;
            }
            else if (now < _skipUntil)
            {
                return null;
            }
            else
            {
                answer = FetchAndKeepAsync(absolute);
                Keep(absolute, answer, _options.Timeout);
            }
        }

        return await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a root-relative URL points, for a site that is the edge itself to fetch from itself: this request's scheme
    /// at the address the connection came in on (a listening socket of this server), never the <c>Host</c> header, which
    /// the client writes. Null without a connection address.
    /// </summary>
    /// <param name="http">The request being rendered.</param>
    public static Uri? SiteOf(HttpContext? http)
    {
        if (http?.Connection.LocalIpAddress is not { } address)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{http.Request.Scheme}://{host}:{http.Connection.LocalPort}/"));
    }

    /// <inheritdoc/>
    public void Dispose() => _cache.Dispose();

    private async Task<EdgeImageInfo?> FetchAndKeepAsync(string url)
    {
        // Run the fetch off the caller's lock and synchronisation context; the entry is replaced when it ends.
        await Task.Yield();
        var (info, keepFor) = await FetchAsync(url).ConfigureAwait(false);
        lock (_gate)
        {
            Keep(url, Task.FromResult(info), keepFor);
        }

        return info;
    }

    private void Keep(string url, Task<EdgeImageInfo?> answer, TimeSpan keepFor)
    {
        var until = _time.GetUtcNow() + keepFor;
        _cache.Set(url, new Entry(answer, until), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keepFor + TimeSpan.FromSeconds(1) });
    }

    private async Task<(EdgeImageInfo? Info, TimeSpan KeepFor)> FetchAsync(string url)
    {
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        try
        {
            using var client = _http.CreateClient(HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "application/json"
                || response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                Log.Refused(_logger, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
                return (null, _options.FailureCacheDuration);
            }

            var body = await ReadBoundedAsync(response.Content, timeout.Token).ConfigureAwait(false);
            if (body is null || Parse(body) is not { } info)
            {
                Log.Malformed(_logger);
                return (null, _options.FailureCacheDuration);
            }

            var maxAge = response.Headers.CacheControl?.MaxAge;
            return (info, maxAge is { } edge && edge < _options.MaxCacheDuration ? edge : _options.MaxCacheDuration);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            // Unreachable or too slow: every image would wait as long, so none is asked for during the cooldown.
            lock (_gate)
            {
                _skipUntil = _time.GetUtcNow() + _options.Cooldown;
            }

            Log.Unreachable(_logger, _options.Cooldown, e.GetType().Name);
            return (null, _options.FailureCacheDuration);
        }
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxAnswerBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return length > MaxAnswerBytes ? null : buffer[..length];
        }
    }

    /// <summary>The answer when it is well formed and safe to write into a page; else null.</summary>
    internal static EdgeImageInfo? Parse(ReadOnlySpan<byte> json)
    {
        EdgeImageInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<EdgeImageInfo>(json, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }

        return info is { Width: > 0, Height: > 0, Output: { Width: > 0, Height: > 0 }, DominantColor: { } colour, Placeholder: { } placeholder }
            && HexColour().IsMatch(colour)
            && placeholder.StartsWith(PlaceholderPrefix, StringComparison.Ordinal)
            && Base64().IsMatch(placeholder.AsSpan(PlaceholderPrefix.Length))
            ? info
            : null;
    }

    [GeneratedRegex("^#[0-9a-f]{6}$")]
    private static partial Regex HexColour();

    [GeneratedRegex("^[A-Za-z0-9+/]+={0,2}$")]
    private static partial Regex Base64();

    private sealed record Entry(Task<EdgeImageInfo?> Answer, DateTimeOffset FreshUntil);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The edge answered f:json with {Status} {ContentType}; the image renders without a placeholder")]
        public static partial void Refused(ILogger logger, int status, string? contentType);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The edge's f:json answer was malformed or unsafe to write into a page; the image renders without a placeholder")]
        public static partial void Malformed(ILogger logger);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The edge did not answer f:json in time ({Failure}); no placeholders are fetched for {Cooldown}")]
        public static partial void Unreachable(ILogger logger, TimeSpan cooldown, string failure);
    }
}
