using EdgeImages.Edge.RateLimiting;

namespace EdgeImages.Edge.Tests.RateLimiting;

/// <summary>The source-generated validators of the rate-limit options, with the cooldown's rule from the options.</summary>
public sealed class RateLimitOptionsValidationTests
{
    [Theory]
    [InlineData(-1, 1000)]
    [InlineData(500, 0)]
    public void Client_NegativeRateOrEmptyBurst_Fails(int perSecond, int burst) =>
        Assert.True(new ClientRateLimitOptionsValidator().Validate(null, new ClientRateLimitOptions { PerClientPerSecond = perSecond, PerClientBurst = burst }).Failed);

    [Fact]
    public void Client_RateZero_ValidAsOff() =>
        Assert.True(new ClientRateLimitOptionsValidator().Validate(null, new ClientRateLimitOptions { PerClientPerSecond = 0 }).Succeeded);

    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    [InlineData(3_600_000)]
    public void Tenant_CooldownZeroOrWithinPollysBounds_Valid(int milliseconds) =>
        Assert.True(new TenantRateLimitOptionsValidator().Validate(null, new TenantRateLimitOptions { RegionalCooldown = TimeSpan.FromMilliseconds(milliseconds) }).Succeeded);

    [Theory]
    [InlineData(499)]
    [InlineData(3_600_001)]
    public void Tenant_CooldownOutsidePollysBounds_FailsWithItsRule(int milliseconds)
    {
        var result = new TenantRateLimitOptionsValidator().Validate(null, new TenantRateLimitOptions { RegionalCooldown = TimeSpan.FromMilliseconds(milliseconds) });

        Assert.True(result.Failed);
        Assert.Contains("RateLimiting:RegionalCooldown", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(5001)]
    public void Tenant_BudgetOutsideItsRange_FailsNamingIt(int milliseconds)
    {
        var result = new TenantRateLimitOptionsValidator().Validate(null, new TenantRateLimitOptions { RegionalBudget = TimeSpan.FromMilliseconds(milliseconds) });

        Assert.True(result.Failed);
        Assert.Contains(nameof(TenantRateLimitOptions.RegionalBudget), result.FailureMessage, StringComparison.Ordinal);
    }
}
