using EdgeImages.Cli;
using EdgeImages.Sdk.Tests.Signing;

namespace EdgeImages.Sdk.Tests.Cli;

/// <summary>The CLI's real entry point, in-process, with captured output, a given environment and a fixed clock.</summary>
public sealed class CliTests
{
    private const string Secret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1767225600);

    // Keys come from the environment (or a file), with their tenants: k1 signs for acme.
    private const string AcmeKeys = $"k1:acme:{Secret}";

    private static (int Exit, string Out, string Err) Run(string[] args, string? environmentKeys = AcmeKeys)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = CliApp.Run(args, stdout, stderr, name => name == CliApp.KeysVariable ? environmentKeys : null, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now));
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string SignPath(string options, string path = "photos/cat.jpg") =>
        Run(["sign", "--key", "k1", "--tenant", "acme", "--path", path, "--options", options]).Out.Trim();

    [Fact]
    public void Sign_SpecExample_PrintsCanonicalSignedUrl()
    {
        var (exit, output, _) = Run(["sign", "--key", "k1", "--base", "https://img.example.com", "--tenant", "acme", "--path", "photos/cat.jpg", "--options", "w:400,h:300,fit:cover"]);

        Assert.Equal(CliApp.Ok, exit);
        Assert.Equal("https://img.example.com/k1.GSGeXmZPz9_uPARdlwAAng/fit:cover,h:300,w:400/acme/photos/cat.jpg" + Environment.NewLine, output);
    }

    [Fact]
    public void Sign_OptionFlags_SameUrlAsOptionsSegment()
    {
        var (exit, output, _) = Run(["sign", "--key", "k1", "--tenant", "acme", "--path", "photos/cat.jpg", "--w", "400", "--h=300", "--fit", "cover"]);

        Assert.Equal(CliApp.Ok, exit);
        Assert.Equal(SignPath("w:400,h:300,fit:cover"), output.Trim());
    }

    [Fact]
    public void Sign_NoOptions_PassThrough() => Assert.Equal("/k1.5NgTniDoyyLqlV9Miyoolg/-/acme/photos/cat.jpg", SignPath("-"));

    [Fact]
    public void Sign_KeysFileInTheEdgesShape_SignsWithItsKey()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $$"""
                {
                  // as an edge's appsettings file writes them
                  "Signing": { "Keys": { "k1": "{{Secret}}" }, "KeyTenants": { "k1": "acme,globex" } }
                }
                """);

            var (exit, output, _) = Run(["sign", "--keys-file", file, "--key", "k1", "--tenant", "acme", "--path", "photos/cat.jpg"], environmentKeys: null);

            Assert.Equal(CliApp.Ok, exit);
            Assert.Equal("/k1.5NgTniDoyyLqlV9Miyoolg/-/acme/photos/cat.jpg", output.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Sign_TenantTheKeyIsNotBoundTo_RefusedExitTwo()
    {
        var (exit, output, error) = Run(["sign", "--key", "k1", "--tenant", "globex", "--path", "contracts/q3.png"]);

        Assert.Equal(CliApp.Usage, exit);
        Assert.Empty(output);
        Assert.Contains("not valid for tenant 'globex'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--secret")]
    [InlineData("--secret-hex")]
    public void Sign_SecretOnTheCommandLine_IsNotAnOption(string flag)
    {
        var (exit, output, error) = Run(["sign", "--key", "k1", flag, Secret, "--tenant", "acme", "--path", "a.jpg"], environmentKeys: null);

        Assert.Equal(CliApp.Usage, exit);
        Assert.Empty(output);
        Assert.Contains(flag, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "sign", "--key", "k2", "--tenant", "acme", "--path", "a.jpg" }, "no key 'k2'")]
    [InlineData(new[] { "sign", "--key", "k1", "--tenant", "acme", "--path", "a.jpg", "--w", "0" }, "option 'w' must be an integer from 1 to 8192")]
    [InlineData(new[] { "sign", "--key", "k1", "--tenant", "Acme", "--path", "a.jpg" }, "tenant must be 1 to 63")]
    [InlineData(new[] { "sign", "--key", "k1", "--tenant", "acme", "--path", "../a.jpg" }, "'..' is not allowed")]
    [InlineData(new[] { "sign", "--key", "k1", "--tenant", "acme", "--path", "a.jpg", "--width", "3" }, "--width")]
    [InlineData(new[] { "sign", "--tenant", "acme", "--path", "a.jpg" }, "--key")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    public void Usage_Mistake_ExitTwoWithMessage(string[] args, string message)
    {
        var (exit, _, error) = Run(args);

        Assert.Equal(CliApp.Usage, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k1:acme:abc", "key 'k1': secret has 3 hex digits")]
    [InlineData($"k1::{Secret}", "key 'k1': the key is bound to no tenant")]
    [InlineData($"k1={Secret}", "kid:tenants:hex")]
    [InlineData(null, "verify needs the edge's keys")]
    public void Usage_BadOrMissingKeys_ExitTwoWithMessage(string? keys, string message)
    {
        var (exit, _, error) = Run(["verify", "/k1.x/w:1/a/b"], keys);

        Assert.Equal(CliApp.Usage, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ValidUrl_EveryCheckPassesExitZero()
    {
        var (exit, output, _) = Run(["verify", "https://img.example.com" + SignPath("w:400,h:300,fit:cover") + "?utm=x"]);

        Assert.Equal(CliApp.Ok, exit);
        foreach (var check in new[] { "split", "signature", "key-tenant", "options", "tenant", "path", "expiry" })
        {
            Assert.Contains($"PASS  {check}", output, StringComparison.Ordinal);
        }

        Assert.Contains("ACCEPTED", output, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { "/", "split", "signature is missing" },
        { "/k1/w:1/acme/a.jpg", "signature", "signature is malformed" },
        { "/k9.3x20xJtCsdXzaQdSocihgA/w:1/acme/a.jpg", "signature", "signing key 'k9' is unknown" },
        { "/k1.3x20xJtCsdXzaQdSocihgA/w:401,h:300,fit:cover/acme/photos/cat.jpg", "signature", "signature does not match the URL" },
        { "/" + Signing("/w:1/globex/a.jpg") + "/w:1/globex/a.jpg", "key-tenant", "signing key 'k1' is not valid for this tenant" },
        { "/" + Signing("/w:0/acme/a.jpg") + "/w:0/acme/a.jpg", "options", "option 'w' must be an integer from 1 to 8192" },
        { "/" + Signing("/w:1/acme/a%2Fb") + "/w:1/acme/a%2Fb", "path", "may not contain an encoded '/'" },
        { SignPath("exp:1767225599,w:1"), "expiry", "URL has expired" },
    };

    private static string Signing(string message) =>
        EdgeImages.Sdk.Signing.UrlSigner.Sign(new EdgeImages.Sdk.Signing.SigningKey("k1", Convert.FromHexString(Secret), EdgeImages.Sdk.Signing.KeyTenants.AllTenants), message);

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Verify_Refused_NamesTheFailedCheckSkipsTheRestExitOne(string url, string check, string detail)
    {
        var (exit, output, _) = Run(["verify", url]);

        Assert.Equal(CliApp.Refused, exit);
        var lines = output.Split(Environment.NewLine);
        var failed = Assert.Single(lines, l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.StartsWith($"FAIL  {check}", failed, StringComparison.Ordinal);
        Assert.Contains(detail, failed, StringComparison.Ordinal);
        var checks = lines.Where(l => l.Length > 6 && l[..4] is "PASS" or "FAIL" or "SKIP").ToArray();
        Assert.Equal(7, checks.Length);
        Assert.All(checks.SkipWhile(l => !l.StartsWith("FAIL", StringComparison.Ordinal)).Skip(1), l => Assert.StartsWith("SKIP", l, StringComparison.Ordinal));
        Assert.Contains("REFUSED", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PlatformKeyMalformedTenant_FailsAtTenant()
    {
        var (exit, output, _) = Run(["verify", "/" + Signing("/w:1/ACME/a.jpg") + "/w:1/ACME/a.jpg"], $"k1:*:{Secret}");

        Assert.Equal(CliApp.Refused, exit);
        Assert.Contains("PASS  key-tenant", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  tenant", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_HandWrittenOrder_HintShowsWhatTheSdkSigns()
    {
        var (_, output, _) = Run(["verify", "/k1.3x20xJtCsdXzaQdSocihgA/w:401,h:300,fit:cover/acme/photos/cat.jpg"]);

        Assert.Contains("hint: signers built with the SDK sign /fit:cover,h:300,w:401/acme/photos/cat.jpg", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NowFlag_JudgesExpiryAtThatInstant()
    {
        var url = SignPath("exp:1767225700,w:1");

        Assert.Equal(CliApp.Ok, Run(["verify", url]).Exit);
        Assert.Equal(CliApp.Refused, Run(["verify", "--now", "1767225701", url]).Exit);
    }

    [Fact]
    public void Verify_SecondKey_VerifiesUrlsOfEitherKey()
    {
        var keys = $"{AcmeKeys};k2:acme:{new string('a', 32)}";
        var url = Run(["sign", "--key", "k2", "--tenant", "acme", "--path", "a.jpg", "--w", "5"], keys).Out.Trim();

        Assert.Equal(CliApp.Ok, Run(["verify", url], keys).Exit);
    }
}
