using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Signing;

public sealed class ExpiryCheckTests
{
    private static readonly DateTimeOffset Exp = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600);
    private static readonly TransformOptions Options = new() { Width = 100, ExpiresAt = 1_767_225_600 };

    [Fact]
    public void Now_BeforeExp_IsValid() => Assert.Null(ExpiryCheck.CheckExpiry(Options, Exp.AddSeconds(-1)));

    [Fact]
    public void Now_AtExp_IsValid() => Assert.Null(ExpiryCheck.CheckExpiry(Options, Exp));

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(86_400_000)]
    public void Now_AfterExp_IsExpired(long ticks)
    {
        var error = ExpiryCheck.CheckExpiry(Options, Exp.AddTicks(ticks));

        Assert.Equal(UrlErrorKind.Expired, error!.Kind);
        Assert.Equal(403, error.Status);
    }

    [Fact]
    public void Options_WithoutExp_NeverExpire() =>
        Assert.Null(ExpiryCheck.CheckExpiry(new TransformOptions { Width = 1 }, DateTimeOffset.MaxValue));

    [Fact]
    public void Exp_BeyondCalendar_NeverExpires() =>
        Assert.Null(ExpiryCheck.CheckExpiry(new TransformOptions { ExpiresAt = long.MaxValue }, DateTimeOffset.MaxValue));

    [Fact]
    public void Exp_Zero_ExpiredNow() =>
        Assert.NotNull(ExpiryCheck.CheckExpiry(new TransformOptions { ExpiresAt = 0 }, DateTimeOffset.UnixEpoch.AddSeconds(1)));

    [Fact]
    public void TimeProvider_AfterExp_IsExpired() =>
        Assert.NotNull(ExpiryCheck.CheckExpiry(Options, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Exp.AddSeconds(1))));
}
