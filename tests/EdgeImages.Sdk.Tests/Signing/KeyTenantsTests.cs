using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Signing;

public sealed class KeyTenantsTests
{
    [Theory]
    [InlineData("acme", "acme")]
    [InlineData(" globex , acme ", "acme,globex")]
    [InlineData("*", "*")]
    public void Parse_ValidBinding_RoundTripsInOrder(string text, string expected) =>
        Assert.Equal(expected, KeyTenants.Parse(text).ToString());

    [Theory]
    [InlineData(null, "bound to no tenant")]
    [InlineData("", "bound to no tenant")]
    [InlineData(" , ", "bound to no tenant")]
    [InlineData("acme,*", "cannot be combined")]
    [InlineData("Acme", "is not a tenant id")]
    [InlineData("acme,a_b", "is not a tenant id")]
    public void Parse_Unbound_Mixed_OrMalformed_FailsSayingWhy(string? text, string message)
    {
        Assert.False(KeyTenants.TryParse(text, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Allows_BoundKey_OnlyItsTenants()
    {
        var tenants = KeyTenants.Of("acme", "initech");

        Assert.True(tenants.Allows("acme"));
        Assert.True(tenants.Allows("initech"));
        Assert.False(tenants.Allows("globex"));
        Assert.False(tenants.Allows("ACME"));
        Assert.False(tenants.Allows(""));
        Assert.True(KeyTenants.AllTenants.Allows("globex"));
    }

    [Fact]
    public void IsWithin_SubsetAndPlatform_AsExpected()
    {
        Assert.True(KeyTenants.Of("acme").IsWithin(KeyTenants.Of("acme", "globex")));
        Assert.False(KeyTenants.Of("acme", "initech").IsWithin(KeyTenants.Of("acme", "globex")));
        Assert.False(KeyTenants.AllTenants.IsWithin(KeyTenants.Of("acme")));
        Assert.True(KeyTenants.Of("acme").IsWithin(KeyTenants.AllTenants));
    }

    [Fact]
    public void Sign_KeyBoundToAcme_RefusesAnotherTenantsUrl()
    {
        var key = new SigningKey("k1", TestKeys.Secret(0), KeyTenants.Of("acme"));

        var refusal = Assert.Throws<ArgumentException>(() => UrlSigner.Sign(key, "/-/globex/contracts/q3.png"));

        Assert.Contains("not valid for tenant 'globex'", refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("k1.", UrlSigner.Sign(key, "/-/acme/contracts/q3.png"), StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_KeyBoundToAcme_RefusesAnotherTenant()
    {
        var builder = new ImageUrlBuilder(new SigningKey("k1", TestKeys.Secret(0), KeyTenants.Of("acme")));

        Assert.Throws<ArgumentException>(() => builder.Build(TransformOptions.PassThrough, "globex", "contracts/q3.png"));
    }

    [Fact]
    public void Inspect_ValidMacOtherTenant_FailsAtKeyTenantBeforeOptions()
    {
        var signer = new SigningKey("k1", TestKeys.Secret(0), KeyTenants.AllTenants);
        var message = "/w:0/globex/a.jpg";
        var ring = new SigningKeyRing([new SigningKey("k1", TestKeys.Secret(0), KeyTenants.Of("acme"), SigningKeyState.VerifyOnly)]);

        var inspection = UrlInspector.Inspect($"/{UrlSigner.Sign(signer, message)}{message}", ring, DateTimeOffset.UnixEpoch);

        Assert.Equal(UrlCheckOutcome.Passed, inspection.Checks.Single(c => c.Check == UrlCheck.Signature).Outcome);
        Assert.Equal(UrlCheckOutcome.Failed, inspection.Checks.Single(c => c.Check == UrlCheck.KeyTenant).Outcome);
        Assert.Equal(UrlCheckOutcome.NotReached, inspection.Checks.Single(c => c.Check == UrlCheck.Options).Outcome);
        Assert.Equal(UrlErrorKind.KeyNotValidForTenant, inspection.Error!.Kind);
    }
}
