using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Vectors;

/// <summary>
/// The C# side of sdk/test-vectors.json. The JavaScript package's tests (sdk/js/test) assert the same expected values,
/// so a URL, srcset or refusal that passes here is byte-identical there.
/// </summary>
public sealed class SharedVectorTests
{
    public static TheoryData<int> Signatures => SharedVectors.Indexes("signatures");
    public static TheoryData<int> Options => SharedVectors.Indexes("options");
    public static TheoryData<int> Canonical => SharedVectors.Indexes("canonical");
    public static TheoryData<int> Urls => SharedVectors.Indexes("urls");
    public static TheoryData<int> BuilderRefusals => SharedVectors.Indexes("builderRefusals");
    public static TheoryData<int> Refusals => SharedVectors.Indexes("refusals");
    public static TheoryData<int> Ladders => SharedVectors.Indexes("ladders");
    public static TheoryData<int> Srcsets => SharedVectors.Indexes("srcsets");
    public static TheoryData<int> Densities => SharedVectors.Indexes("densities");
    public static TheoryData<int> DisplaySizes => SharedVectors.Indexes("displaySizes");

    [Fact]
    public void SpecVectors_AllSixPresent() => Assert.Equal(6, SharedVectors.Section("signatures").Count);

    [Theory]
    [MemberData(nameof(Signatures))]
    public void Signature_Vector_SignsAndVerifies(int index)
    {
        var v = SharedVectors.Section("signatures")[index]!;
        var message = (string)v["message"]!;
        var signature = (string)v["signature"]!;

        Assert.Equal(signature, UrlSigner.Sign(SharedVectors.SigningKey((string)v["key"]!), message));
        Assert.Null(SignatureVerifier.Verify(signature, message, SharedVectors.Ring));
    }

    [Fact]
    public void Options_Table_SameNamesOrderAndRulesAsVectors() =>
        Assert.Equal(
            SharedVectors.Section("options").Select(v => ((string)v!["name"]!, (string)v["rule"]!)),
            UrlOptions.All.Select(option => (option.Name, option.Rule)));

    [Theory]
    [MemberData(nameof(Options))]
    public void Option_Vector_ReadsExampleAndRefusesWithItsRule(int index)
    {
        var v = SharedVectors.Section("options")[index]!;
        var name = (string)v["name"]!;

        var read = OptionsParser.Parse($"{name}:{(string)v["example"]!}");
        var refused = OptionsParser.Parse($"{name}:{(string)v["refused"]!}");

        Assert.True(read.IsSuccess, read.Error?.Detail);
        Assert.Equal($"{name}:{(string)v["canonical"]!}", CanonicalOptions.FormatForUrl(read.Value));
        Assert.Equal(new UrlError(UrlErrorKind.InvalidOptions, (string)v["rule"]!), refused.Error);
    }

    [Fact]
    public void Options_AllExamplesInReverse_WrittenInVectorOrder()
    {
        var vectors = SharedVectors.Section("options");
        var reversed = string.Join(',', vectors.Reverse().Select(v => $"{(string)v!["name"]!}:{(string)v["example"]!}"));

        var parsed = OptionsParser.Parse(reversed);

        Assert.True(parsed.IsSuccess, parsed.Error?.Detail);
        Assert.Equal(string.Join(',', vectors.Select(v => $"{(string)v!["name"]!}:{(string)v["canonical"]!}")), CanonicalOptions.FormatForUrl(parsed.Value));
    }

    [Theory]
    [MemberData(nameof(Canonical))]
    public void Canonical_Vector_FormsOrRefusesAsExpected(int index)
    {
        var v = SharedVectors.Section("canonical")[index]!;
        var parsed = OptionsParser.Parse((string)v["input"]!);

        if (v["canonical"] is { } canonical)
        {
            Assert.True(parsed.IsSuccess, parsed.Error?.Detail);
            Assert.Equal((string)canonical!, CanonicalOptions.FormatForUrl(parsed.Value));
        }
        else
        {
            Assert.False(parsed.IsSuccess);
            Assert.Equal((string)v["error"]!["kind"]!, parsed.Error!.Kind.ToString());
            Assert.Equal((string)v["error"]!["detail"]!, parsed.Error.Detail);
        }
    }

    [Theory]
    [MemberData(nameof(Urls))]
    public void Url_Vector_BuildsExpectedUrlThatTheEdgeAccepts(int index)
    {
        var v = SharedVectors.Section("urls")[index]!;
        var options = TransformOptions.Parse((string)v["options"]!);
        var builder = SharedVectors.Builder(v);
        var tenant = (string)v["tenant"]!;
        var path = (string)v["path"]!;

        var url = SharedVectors.BaseUri(v) is { } baseUri ? builder.Build(baseUri, options, tenant, path) : builder.Build(options, tenant, path);

        Assert.Equal((string)v["url"]!, url);
        var rawPath = builder.Build(options, tenant, path);
        var inspection = UrlInspector.Inspect(rawPath, SharedVectors.Ring, DateTimeOffset.FromUnixTimeSeconds(0));
        Assert.True(inspection.IsAccepted, inspection.Error?.Detail);
        Assert.Equal(path, inspection.Url!.Path);
    }

    [Theory]
    [MemberData(nameof(BuilderRefusals))]
    public void BuilderRefusal_Vector_RefusedWithKindAndDetail(int index)
    {
        var v = SharedVectors.Section("builderRefusals")[index]!;
        var parsed = OptionsParser.Parse((string)v["options"]!);
        string kind, detail;
        if (!parsed.IsSuccess)
        {
            (kind, detail) = (parsed.Error!.Kind.ToString(), parsed.Error.Detail);
        }
        else
        {
            var e = Assert.Throws<ArgumentException>(() => SharedVectors.Builder(v).Build(parsed.Value, (string)v["tenant"]!, (string)v["path"]!));
            kind = e.ParamName switch { "tenant" => nameof(UrlErrorKind.InvalidTenant), "path" => nameof(UrlErrorKind.InvalidPath), _ => nameof(UrlErrorKind.InvalidOptions) };
            detail = e.Message[..e.Message.LastIndexOf(" (Parameter", StringComparison.Ordinal)];
        }

        Assert.Equal((string)v["kind"]!, kind);
        Assert.Equal((string)v["detail"]!, detail);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Refusal_Vector_FailsAtExpectedCheckWithKindAndStatus(int index)
    {
        var v = SharedVectors.Section("refusals")[index]!;

        var inspection = UrlInspector.Inspect((string)v["path"]!, SharedVectors.Ring, SharedVectors.Now);

        var failed = inspection.Checks.SingleOrDefault(c => c.Outcome == UrlCheckOutcome.Failed);
        Assert.Equal((string)v["check"]!, failed?.Check.ToString() ?? "none");
        Assert.Equal((string)v["kind"]!, inspection.Error?.Kind.ToString() ?? "none");
        Assert.Equal((int)v["status"]!, inspection.Error?.Status ?? 200);
    }

    [Theory]
    [MemberData(nameof(Ladders))]
    public void Ladder_Vector_SameWidths(int index)
    {
        var v = SharedVectors.Section("ladders")[index]!;
        int? sourceWidth = v["sourceWidth"] is { } sw ? (int)sw! : null;

        var widths = SrcsetBuilder.WidthLadder((int)v["minWidth"]!, (int)v["maxWidth"]!, (double)v["tolerance"]!, sourceWidth);

        Assert.Equal(v["widths"]!.AsArray().Select(w => (int)w!), widths);
    }

    [Theory]
    [MemberData(nameof(Srcsets))]
    public void Srcset_Vector_SameCandidates(int index)
    {
        var v = SharedVectors.Section("srcsets")[index]!;
        var srcset = new SrcsetBuilder(SharedVectors.Builder(v), SharedVectors.BaseUri(v));
        var options = TransformOptions.Parse((string)v["options"]!);
        var (tenant, path) = ((string)v["tenant"]!, (string)v["path"]!);
        int? sourceWidth = v["sourceWidth"] is { } sw ? (int)sw! : null;

        var actual = v["widths"] is { } widths
            ? srcset.BuildWidths(options, tenant, path, widths.AsArray().Select(w => (int)w!))
            : srcset.BuildWidths(options, tenant, path, (int)v["minWidth"]!, (int)v["maxWidth"]!, (double)v["tolerance"]!, sourceWidth);

        Assert.Equal((string)v["srcset"]!, actual);
    }

    [Theory]
    [MemberData(nameof(Densities))]
    public void Densities_Vector_SameCandidates(int index)
    {
        var v = SharedVectors.Section("densities")[index]!;
        var srcset = new SrcsetBuilder(SharedVectors.Builder(v), SharedVectors.BaseUri(v));
        double[] densities = v["densities"] is { } d ? [.. d.AsArray().Select(x => (double)x!)] : [];

        var actual = srcset.BuildDensities(TransformOptions.Parse((string)v["options"]!), (string)v["tenant"]!, (string)v["path"]!, densities);

        Assert.Equal((string)v["srcset"]!, actual);
    }

    [Theory]
    [MemberData(nameof(DisplaySizes))]
    public void DisplaySize_Vector_SameWidthAndHeight(int index)
    {
        var v = SharedVectors.Section("displaySizes")[index]!;
        int? sourceWidth = v["sourceWidth"] is { } sw ? (int)sw! : null;
        int? sourceHeight = v["sourceHeight"] is { } sh ? (int)sh! : null;

        var (width, height) = DisplaySize.Compute(TransformOptions.Parse((string)v["options"]!), sourceWidth, sourceHeight);

        Assert.Equal((int?)v["width"], width);
        Assert.Equal((int?)v["height"], height);
    }
}
