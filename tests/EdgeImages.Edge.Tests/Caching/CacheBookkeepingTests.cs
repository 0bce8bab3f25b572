using EdgeImages.Edge.Caching;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Etcd.Purges;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Tests.Caching;

/// <summary>What the memory tier charges an entry, and what a path's tags are.</summary>
public sealed class CacheBookkeepingTests
{
    // 512 one-letter segments: a 1023-character path, the longest the URL format allows in that shape.
    private static readonly string DeepPath = string.Join('/', Enumerable.Repeat("a", 511)) + "/x";

    [Fact]
    public void Tags_PathOf512Segments_TenantOriginalAndEightFolders()
    {
        var tags = CacheTags.For("acme", DeepPath);

        Assert.Equal(2 + CacheTags.MaxFolderTags, tags.Length);
        Assert.Contains("p:acme/a/a/a/a/a/a/a/a/", tags);
        Assert.DoesNotContain("p:acme/a/a/a/a/a/a/a/a/a/", tags);
    }

    [Fact]
    public void Entry_LongPathAndTags_IsChargedTheirBytesOnTopOfTheBody()
    {
        using var tier = new MemoryTier(Options.Create(new CacheOptions { MemoryLimitBytes = 1 << 20 }), TimeProvider.System);
        var tags = CacheTags.For("acme", DeepPath);
        var key = $"acme/{DeepPath}@latest|w:2";
        var variant = new CachedVariant(new byte[100], "image/png", "\"e\"", default(StageTimings));

        Assert.True(tier.TrySet(key, variant, tags, TimeSpan.FromMinutes(1), tier.BeginFill(), fromDistributed: false));

        var strings = 2L * (key.Length + tags.Sum(t => t.Length));
        Assert.True(tier.CurrentBytes >= 100 + strings, $"charged {tier.CurrentBytes}, the body and its strings alone are {100 + strings}");
        // Bounded by the tag cap: ten tags, not 512 of up to a kilobyte each.
        Assert.True(tier.CurrentBytes < 100 * 1024, $"charged {tier.CurrentBytes}");
    }

    [Fact]
    public void Fence_PurgeOfAnotherTenantDuringAFill_FillIsKept_PurgeOfItsOwnTag_FillIsRefused()
    {
        using var tier = new MemoryTier(Options.Create(new CacheOptions()), TimeProvider.System);
        var variant = new CachedVariant(new byte[10], "image/png", "\"e\"", default(StageTimings));
        var betaFill = tier.BeginFill();
        var acmeFill = tier.BeginFill();

        var (acmeTenantTag, _) = CacheTags.For(PurgeTarget.ForTenant("acme"));
        tier.RemoveByTag(acmeTenantTag);

        Assert.True(tier.TrySet("beta/a.png", variant, CacheTags.For("beta", "a.png"), TimeSpan.FromMinutes(1), betaFill, fromDistributed: false));
        Assert.False(tier.TrySet("acme/a.png", variant, CacheTags.For("acme", "a.png"), TimeSpan.FromMinutes(1), acmeFill, fromDistributed: false));
        tier.EndFill(betaFill);
        tier.EndFill(acmeFill);

        // Once no fill is running, a new fill of acme is kept again.
        var next = tier.BeginFill();
        Assert.True(tier.TrySet("acme/a.png", variant, CacheTags.For("acme", "a.png"), TimeSpan.FromMinutes(1), next, fromDistributed: false));
        tier.EndFill(next);
    }

    [Fact]
    public void Clear_DuringAFill_FillIsRefusedAndNothingIsLeft()
    {
        using var tier = new MemoryTier(Options.Create(new CacheOptions()), TimeProvider.System);
        var variant = new CachedVariant(new byte[10], "image/png", "\"e\"", default(StageTimings));
        var before = tier.BeginFill();
        Assert.True(tier.TrySet("acme/b.png", variant, CacheTags.For("acme", "b.png"), TimeSpan.FromMinutes(1), before, fromDistributed: false));

        tier.Clear();

        Assert.False(tier.TrySet("acme/a.png", variant, CacheTags.For("acme", "a.png"), TimeSpan.FromMinutes(1), before, fromDistributed: false));
        Assert.False(tier.TryGet("acme/b.png", out _));
        tier.EndFill(before);
    }
}
