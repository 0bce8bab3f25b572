using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Keys;
using EdgeImages.ControlPlane.Leadership;
using EdgeImages.ControlPlane.Purge;

namespace EdgeImages.ControlPlane.Tests.Hosting;

/// <summary>The source-generated validators: ranges from attributes, and the rules that say more from the options themselves.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public void Leadership_Defaults_Valid() =>
        Assert.True(new LeadershipOptionsValidator().Validate(null, new LeadershipOptions()).Succeeded);

    [Theory]
    [InlineData("00:00:02", nameof(LeadershipOptions.LeaseTtl))]
    [InlineData("00:01:01", nameof(LeadershipOptions.LeaseTtl))]
    public void Leadership_LeaseTtlOutsideItsRange_FailsNamingIt(string ttl, string member)
    {
        var result = new LeadershipOptionsValidator().Validate(null, new LeadershipOptions { LeaseTtl = TimeSpan.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains(member, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Leadership_ProbeTimeoutAboveTheInterval_FailsWithTheCrossRule()
    {
        var options = new LeadershipOptions { ProbeInterval = TimeSpan.FromSeconds(1), ProbeTimeout = TimeSpan.FromSeconds(2) };

        var result = new LeadershipOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Leadership:ProbeTimeout must be positive and at most Leadership:ProbeInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Leadership_OriginThatIsNoUrl_FailsNamingIt()
    {
        var options = new LeadershipOptions { Origins = { ["a"] = "not a url" } };

        var result = new LeadershipOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Leadership:Origins:a", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Leadership_EmptyReplicaId_Fails() =>
        Assert.True(new LeadershipOptionsValidator().Validate(null, new LeadershipOptions { ReplicaId = " " }).Failed);

    [Theory]
    [InlineData(0, 100)]
    [InlineData(10, 100_001)]
    public void Purge_RatesOutsideTheirRange_Fail(int perSecond, int burst) =>
        Assert.True(new PurgeOptionsValidator().Validate(null, new PurgeOptions { PerKeyPerSecond = perSecond, Burst = burst }).Failed);

    [Fact]
    public void Purge_Defaults_Valid() =>
        Assert.True(new PurgeOptionsValidator().Validate(null, new PurgeOptions()).Succeeded);

    [Theory]
    [InlineData("short")]
    [InlineData("a key of thirty-two characters or more with spaces")]
    public void Admin_BootstrapKeyTooShortOrWithSpaces_FailsWithItsRule(string key)
    {
        var result = new AdminOptionsValidator().Validate(null, new AdminOptions { BootstrapKey = key });

        Assert.True(result.Failed);
        Assert.Contains("Admin:BootstrapKey must be empty or at least 32 characters without spaces", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Admin_NoBootstrapKeyAndAFailureRateOfZero_FailsOnTheRateOnly()
    {
        var result = new AdminOptionsValidator().Validate(null, new AdminOptions { AuthFailuresPerMinute = 0 });

        Assert.True(result.Failed);
        Assert.Contains(nameof(AdminOptions.AuthFailuresPerMinute), result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("BootstrapKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("00112233")]
    [InlineData("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")]
    public void Secrets_MasterKeyMissingShortOrNotHex_Fails(string? key) =>
        Assert.True(new SecretsOptionsValidator().Validate(null, new SecretsOptions { MasterKey = key }).Failed);

    [Fact]
    public void Secrets_MasterKeyOf64HexDigits_Valid() =>
        Assert.True(new SecretsOptionsValidator().Validate(null, new SecretsOptions { MasterKey = new string('a', 64) }).Succeeded);
}
