using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

/// <summary>The descriptor table itself, and the preset merge that loops over it.</summary>
public sealed class UrlOptionsTests
{
    private static TransformOptions Parse(string segment) => OptionsParser.Parse(segment).Value!;

    [Fact]
    public void Table_Names_AreUniqueAndInOrdinalOrder() =>
        Assert.Equal(UrlOptions.All.Select(o => o.Name).Order(StringComparer.Ordinal).Distinct(), UrlOptions.All.Select(o => o.Name));

    [Fact]
    public void Table_Size_FitsTheParsersSeenMask() => Assert.InRange(UrlOptions.All.Length, 1, 64);

    [Fact]
    public void Table_EveryRule_NamesItsOption() =>
        Assert.All(UrlOptions.All, o => Assert.StartsWith($"option '{o.Name}' must be", o.Rule, StringComparison.Ordinal));

    [Fact]
    public void Names_Public_AreTheTablesInOrder() => Assert.Equal(UrlOptions.All.Select(o => o.Name), OptionsParser.Names);

    [Fact]
    public void WithPreset_UrlLeavesOptionsOut_TakesThemFromThePreset()
    {
        var url = Parse("p:thumb,w:300,v:abc,exp:5");
        var preset = Parse("w:200,h:200,fit:cover,q:70");

        var merged = url.WithPreset(preset);

        Assert.Equal(Parse("w:300,h:200,fit:cover,q:70,v:abc,exp:5"), merged);
    }

    [Fact]
    public void WithPreset_PresetHoldsAddressOrAdmission_NeverTakesThem()
    {
        var url = Parse("p:thumb");
        var preset = Parse("w:200,v:old,exp:9,p:other");

        Assert.Equal(Parse("w:200"), url.WithPreset(preset));
    }

    [Fact]
    public void WithPreset_EveryTransformOption_IsInherited()
    {
        // One value of every transformation option, so an option added to the table is covered without touching this test.
        var preset = Parse("bg:ff0000,blur:2,crop:1:2:3:4,dpr:2,f:png,fit:fill,flip:h,g:n,h:10,q:50,rot:90,sharpen:1,up:1,w:10");

        var merged = Parse("p:x").WithPreset(preset);

        Assert.Equal(CanonicalOptions.Format(preset), CanonicalOptions.Format(merged));
    }
}
