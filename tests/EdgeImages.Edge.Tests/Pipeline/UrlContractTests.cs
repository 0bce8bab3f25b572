using System.Net;
using System.Text;
using System.Text.Json;
using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary>The URL contract of ../shared/spec/url-format.md, over HTTP to a real edge.</summary>
public sealed class UrlContractTests : IAsyncLifetime
{
    private EdgeServer _edge = null!;

    public async Task InitializeAsync()
    {
        _edge = await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            // The spec's second test-vector key.
            ["Signing:Keys:2026a"] = Convert.ToHexString(Encoding.ASCII.GetBytes("correct horse battery staple, but 32+ bytes long!!")),
            ["Signing:KeyTenants:2026a"] = "acme",
        });
        _edge.WithOriginal("photos/cat.jpg", "photo-flower-3mp-baseline.jpg")
             .WithOriginal("a b/café.png", "png-rgba-photo.png")
             .WithOriginal("alpha.png", "png-rgba-photo.png");
    }

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Fact]
    public async Task SpecVectorUrl_CoverBox_Returns400x300Jpeg()
    {
        using var response = await _edge.Client.GetAsync("/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("jpeg", Images.FormatOf(body));
        Assert.Equal((400, 300), Images.SizeOf(body));
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task SpecVectorUrl_PassThrough_ReturnsOriginalBytesAndType()
    {
        using var response = await _edge.Client.GetAsync("/k1.5NgTniDoyyLqlV9Miyoolg/-/acme/photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TestImages.Read("photo-flower-3mp-baseline.jpg"), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("Accept", response.Headers.Vary);
    }

    [Fact]
    public async Task SpecVectorUrls_ReorderedOptions_ShareOneCacheEntry()
    {
        using var first = await _edge.Client.GetAsync("/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg");
        using var reordered = await _edge.Client.GetAsync("/k1.pcPft_RdzB41d7WzREaavA/h:300,w:400,fit:cover/acme/photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, reordered.StatusCode);
        Assert.Equal("MISS", Header(first, "X-Cache"));
        Assert.Equal("HIT-MEMORY", Header(reordered, "X-Cache"));
        Assert.Equal(first.Headers.ETag, reordered.Headers.ETag);
    }

    [Fact]
    public async Task SpecVectorUrl_EncodedPathWithSecondKey_ReturnsWebp640()
    {
        using var response = await _edge.Client.GetAsync("/2026a.IveEuFDo9x5SALtycCeLVA/w:640,f:webp,q:75/acme/a%20b/caf%C3%A9.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("webp", Images.FormatOf(body));
        // The source is 500 px wide and up:0 is the default: never enlarged.
        Assert.Equal((500, 500), Images.SizeOf(body));
    }

    [Fact]
    public async Task QueryString_IsNeitherSignedNorPartOfTheKey()
    {
        var url = _edge.Url("w:100", "photos/cat.jpg");
        using var first = await _edge.Client.GetAsync(url + "?utm=1");
        using var second = await _edge.Client.GetAsync(url + "?other=2");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("HIT-MEMORY", Header(second, "X-Cache"));
    }

    [Fact]
    public async Task Response_CarriesEtagCacheControlXCacheAndServerTiming()
    {
        using var response = await _edge.GetAsync("w:200,f:jpeg", "photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.True(response.Headers.CacheControl!.Public);
        Assert.Equal(TimeSpan.FromHours(1), response.Headers.CacheControl.MaxAge);
        Assert.Equal("MISS", Header(response, "X-Cache"));
        var timing = Header(response, "Server-Timing");
        foreach (var stage in new[] { "fetch;dur=", "decode;dur=", "transform;dur=", "encode;dur=" })
        {
            Assert.Contains(stage, timing, StringComparison.Ordinal);
        }

        // A miss reports what making it cost: decoding a 3 MP photo is never free.
        var decode = System.Text.RegularExpressions.Regex.Match(timing, @"decode;dur=([0-9.]+)").Groups[1].Value;
        Assert.True(double.Parse(decode, System.Globalization.CultureInfo.InvariantCulture) > 0, timing);

        Assert.Empty(response.Headers.Vary);
    }

    [Fact]
    public async Task PinnedVersion_IsImmutableForAYear()
    {
        var version = Edge.Originals.LocalFolderOriginalStore.VersionOf(TestImages.Read("photo-flower-3mp-baseline.jpg"));
        using var response = await _edge.GetAsync($"w:120,v:{version}", "photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl!.MaxAge);
        Assert.Contains("immutable", response.Headers.CacheControl.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PinnedVersion_Unknown_Returns404()
    {
        using var response = await _edge.GetAsync("w:120,v:nosuchversion", "photos/cat.jpg");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, expectNoStore: false);
    }

    [Fact]
    public async Task IfNoneMatch_MatchingEtag_Returns304WithoutBody()
    {
        using var first = await _edge.GetAsync("w:150", "photos/cat.jpg");
        var request = new HttpRequestMessage(HttpMethod.Get, _edge.Url("w:150", "photos/cat.jpg"));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await _edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.NotNull(second.Headers.CacheControl);
    }

    [Fact]
    public async Task IfNoneMatch_OtherEtag_Returns200()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _edge.Url("w:150", "photos/cat.jpg"));
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"something-else\"");

        using var response = await _edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Head_SameHeadersAsGet_NoBody()
    {
        using var get = await _edge.GetAsync("w:90", "photos/cat.jpg");
        using var head = await _edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, _edge.Url("w:90", "photos/cat.jpg")));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("image/avif,image/webp,*/*", "avif")]
    [InlineData("image/avif", "avif")]
    [InlineData("image/avif;q=0,image/webp,*/*", "webp")]
    [InlineData("image/webp,*/*", "webp")]
    [InlineData("image/webp;q=0, */*", "jpeg")]
    [InlineData("image/*", "jpeg")]
    [InlineData("*/*", "jpeg")]
    [InlineData(null, "jpeg")]
    public async Task AutoFormat_OpaqueSource_NegotiatesFromAccept(string? accept, string expected)
    {
        using var response = await _edge.GetAsync("w:100,f:auto", "photos/cat.jpg", accept);

        Assert.Equal(expected, Images.FormatOf(await response.Content.ReadAsByteArrayAsync()));
        Assert.Contains("Accept", response.Headers.Vary);
    }

    [Fact]
    public async Task AutoFormat_AvifWebpAndNeitherClients_GetSeparateCacheEntries()
    {
        // Each combination of what Accept names is its own entry; the fourth request repeats the first and hits it.
        using var both = await _edge.GetAsync("w:111", "photos/cat.jpg", "image/avif,image/webp,*/*");
        using var avifOnly = await _edge.GetAsync("w:111", "photos/cat.jpg", "image/avif,*/*");
        using var webpOnly = await _edge.GetAsync("w:111", "photos/cat.jpg", "image/webp,*/*");
        using var neither = await _edge.GetAsync("w:111", "photos/cat.jpg", "*/*");
        using var bothAgain = await _edge.GetAsync("w:111", "photos/cat.jpg", "image/webp,image/avif");

        Assert.Equal(
            ["avif", "avif", "webp", "jpeg", "avif"],
            [
                Images.FormatOf(await both.Content.ReadAsByteArrayAsync()), Images.FormatOf(await avifOnly.Content.ReadAsByteArrayAsync()),
                Images.FormatOf(await webpOnly.Content.ReadAsByteArrayAsync()), Images.FormatOf(await neither.Content.ReadAsByteArrayAsync()),
                Images.FormatOf(await bothAgain.Content.ReadAsByteArrayAsync()),
            ]);
        Assert.Equal(["MISS", "MISS", "MISS", "MISS"], new[] { both, avifOnly, webpOnly, neither }.Select(r => Header(r, "X-Cache")));
        Assert.StartsWith("HIT", Header(bothAgain, "X-Cache"), StringComparison.Ordinal);
        Assert.Equal("image/avif", both.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept", both.Headers.Vary);
    }

    [Fact]
    public async Task ExplicitAvif_AnyAccept_ReturnsAvifWithoutVary()
    {
        using var response = await _edge.GetAsync("w:120,f:avif", "photos/cat.jpg", "image/jpeg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/avif", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("avif", Images.FormatOf(await response.Content.ReadAsByteArrayAsync()));
        Assert.DoesNotContain("Accept", response.Headers.Vary);
    }

    [Fact]
    public async Task ExplicitGif_OpaqueSource_ReturnsGifOfTheRequestedWidth()
    {
        using var response = await _edge.GetAsync("w:90,f:gif", "photos/cat.jpg");

        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("gif", Images.FormatOf(body));
        Assert.Equal(90, Images.SizeOf(body).Width);
    }

    [Fact]
    public async Task AutoFormat_TransparentSourceWithoutWebp_ReturnsPng()
    {
        using var response = await _edge.GetAsync("w:100", "alpha.png", "image/png,*/*");

        Assert.Equal("png", Images.FormatOf(await response.Content.ReadAsByteArrayAsync()));
        Assert.Contains("Accept", response.Headers.Vary);
    }

    [Fact]
    public async Task AutoFormat_WebpAndNoWebpClients_GetSeparateCacheEntries()
    {
        using var webp = await _edge.GetAsync("w:110", "photos/cat.jpg", "image/webp");
        using var jpeg = await _edge.GetAsync("w:110", "photos/cat.jpg", "image/jpeg");

        Assert.Equal("webp", Images.FormatOf(await webp.Content.ReadAsByteArrayAsync()));
        Assert.Equal("jpeg", Images.FormatOf(await jpeg.Content.ReadAsByteArrayAsync()));
        Assert.Equal("MISS", Header(jpeg, "X-Cache"));
    }

    [Theory]
    [InlineData("/just-one-segment")]
    [InlineData("/w:400/acme/photos/cat.jpg")]
    [InlineData("/k1/w:400/acme/photos/cat.jpg")]
    [InlineData("/k1.short/w:400/acme/photos/cat.jpg")]
    [InlineData("/K1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg")]
    [InlineData("/nokey.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg")]
    [InlineData("/k1.3x20xJtCsdXzaQdSocihgB/w:400,h:300,fit:cover/acme/photos/cat.jpg")]
    [InlineData("/k1.3x20xJtCsdXzaQdSocihgA/w:401,h:300,fit:cover/acme/photos/cat.jpg")]
    [InlineData("/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/CAT.jpg")]
    [InlineData("/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos%2Fcat.jpg")]
    public async Task BadSignature_Returns403_AlsoOnceTheGenuineUrlWasServed(string path)
    {
        using var before = await _edge.Client.GetAsync(path);
        // The edge remembers what the genuine URL was read into (VerifiedRequestMemo); a near miss must not find it.
        using var genuine = await _edge.Client.GetAsync("/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg");
        using var after = await _edge.Client.GetAsync(path);

        await AssertProblemAsync(before, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        await AssertProblemAsync(after, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Signature_DoesNotRevealExpectedMac()
    {
        using var response = await _edge.Client.GetAsync("/k1.AAAAAAAAAAAAAAAAAAAAAA/w:400,h:300,fit:cover/acme/photos/cat.jpg");

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("3x20xJtCsdXzaQdSocihgA", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_Returns403_FutureExpiry_Returns200()
    {
        using var expired = await _edge.GetAsync("w:50,exp:1000", "photos/cat.jpg");
        using var future = await _edge.GetAsync("w:50,exp:4102444800", "photos/cat.jpg");

        await AssertProblemAsync(expired, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, future.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?utm_source=x")]
    public async Task AbsoluteFormTarget_SignedRawPath_Returns200(string query)
    {
        // RFC 9112 §3.2.2: a server must accept the absolute form; what was signed is still the path's raw bytes.
        var authority = _edge.Client.BaseAddress!.Authority;
        var target = $"http://{authority}{_edge.Url("w:50", "a%20b/caf%C3%A9.png")}{query}";

        var statusLine = await RawStatusLineAsync(target, authority);

        Assert.StartsWith("HTTP/1.1 200", statusLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbsoluteFormTarget_WrongSignature_Returns403()
    {
        var authority = _edge.Client.BaseAddress!.Authority;

        var statusLine = await RawStatusLineAsync($"http://{authority}/k1.AAAAAAAAAAAAAAAAAAAAAA/w:50/acme/photos/cat.jpg", authority);

        Assert.StartsWith("HTTP/1.1 403", statusLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("253402300800")] // one second past DateTimeOffset.MaxValue
    [InlineData("922337203685477580")] // the largest exp the parser accepts
    public async Task ExpiryBeyondDateTimeRange_Returns200PrivateWithTenantMaxAge(string exp)
    {
        using var response = await _edge.GetAsync($"w:50,exp:{exp}", "photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cacheControl = response.Headers.CacheControl!;
        Assert.True(cacheControl.Private);
        Assert.False(cacheControl.Public);
        Assert.Equal(TimeSpan.FromHours(1), cacheControl.MaxAge);
        Assert.DoesNotContain("immutable", cacheControl.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiryBeyondDateTimeRange_PinnedVersion_PrivateForAYearNeverImmutable()
    {
        var version = Edge.Originals.LocalFolderOriginalStore.VersionOf(TestImages.Read("photo-flower-3mp-baseline.jpg"));
        using var response = await _edge.GetAsync($"v:{version},w:50,exp:922337203685477580", "photos/cat.jpg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.Private);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl.MaxAge);
        Assert.DoesNotContain("immutable", response.Headers.CacheControl.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiryBeyondDateTimeRange_MissingOriginal_Returns404NotA500()
    {
        using var response = await _edge.GetAsync("w:50,exp:253402300800", "photos/missing.jpg");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, expectNoStore: false);
        Assert.True(response.Headers.CacheControl!.Private);
    }

    [Fact]
    public async Task ExpiryPastTheParsersRange_Returns400()
    {
        using var response = await _edge.GetAsync("w:50,exp:922337203685477581", "photos/cat.jpg");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("w:0", "photos/cat.jpg")]
    [InlineData("w:8193", "photos/cat.jpg")]
    [InlineData("w:100,w:200", "photos/cat.jpg")]
    [InlineData("zoom:2", "photos/cat.jpg")]
    [InlineData("W:100", "photos/cat.jpg")]
    [InlineData("w:5000,dpr:2", "photos/cat.jpg")]
    [InlineData("fit:stretch", "photos/cat.jpg")]
    [InlineData("g:fp:1.5:0.5", "photos/cat.jpg")]
    [InlineData("q:101", "photos/cat.jpg")]
    [InlineData("bg:12345", "photos/cat.jpg")]
    [InlineData("rot:45", "photos/cat.jpg")]
    [InlineData("", "photos/cat.jpg")]
    [InlineData("w:100", "photos/../cat.jpg")]
    [InlineData("w:100", "photos/./cat.jpg")]
    [InlineData("w:100", "photos//cat.jpg")]
    [InlineData("w:100", "photos%2Fcat.jpg")]
    [InlineData("w:100", "photos%5Ccat.jpg")]
    [InlineData("w:100", "bad%zzescape.jpg")]
    [InlineData("w:100", "bad%C3%28utf8.jpg")]
    public async Task MalformedOptionsOrPath_Returns400(string options, string path)
    {
        using var response = await _edge.GetAsync(options, path);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task NulInPath_Returns400()
    {
        // Kestrel refuses a NUL in the request target itself, before the edge sees it: still a 400.
        using var response = await _edge.GetAsync("w:100", "photos/%00cat.jpg");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("ACME")]
    [InlineData("acme_corp")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task MalformedTenant_Returns400(string tenant)
    {
        // A platform key: a key bound to acme is refused (403) before the tenant's syntax is read.
        using var response = await _edge.Client.GetAsync(_edge.Url("w:100", "photos/cat.jpg", tenant, _edge.PlatformKey));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task PathLongerThan1024Bytes_Returns400()
    {
        var path = string.Join('/', Enumerable.Repeat(new string('a', 100), 11));

        using var response = await _edge.GetAsync("w:100", path);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task SignedPathPastKestrelsDefaultRequestLine_Returns400Problem_NotKestrelsBodiless414()
    {
        // 9,090 bytes of path: over the contract's 1024, and the request line over Kestrel's default 8 KiB.
        var path = string.Join('/', Enumerable.Repeat(new string('a', 100), 90));

        using var response = await _edge.GetAsync("w:100", path);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnsignedUrlOf60KB_Returns403Problem()
    {
        var path = string.Join('/', Enumerable.Repeat(new string('a', 100), 600));

        using var response = await _edge.Client.GetAsync($"/k1.AAAAAAAAAAAAAAAAAAAAAA/w:100/acme/{path}");

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task MissingOriginal_Returns404_CacheableBriefly()
    {
        using var response = await _edge.GetAsync("w:100", "photos/nope.jpg");

        await AssertProblemAsync(response, HttpStatusCode.NotFound, expectNoStore: false);
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.CacheControl!.MaxAge);
    }

    [Fact]
    public async Task Post_Returns405WithAllow()
    {
        using var response = await _edge.Client.PostAsync(_edge.Url("w:100", "photos/cat.jpg"), new ByteArrayContent([]));

        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Problem_NeverRevealsFileSystemPaths()
    {
        using var response = await _edge.GetAsync("w:100", "photos/nope.jpg");

        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(_edge.OriginalsFolder, body, StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp", body, StringComparison.Ordinal);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, bool expectNoStore = true)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, json.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
        if (expectNoStore)
        {
            Assert.True(response.Headers.CacheControl?.NoStore);
        }
    }

    /// <summary>
    /// Sends <paramref name="target"/> as the request line over a socket of its own (HttpClient sends the absolute
    /// form only to a proxy) and returns the response's status line.
    /// </summary>
    private async Task<string> RawStatusLineAsync(string target, string authority)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(_edge.Client.BaseAddress!.Host, _edge.Client.BaseAddress.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? "";
    }

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";
}
