namespace EdgeImages.Edge.Transforms.Metadata;

/// <summary>What the info steps learn on the way, for the <c>f:json</c> answer; filled in the order the steps run.</summary>
internal sealed class SourceFacts
{
    /// <summary>What the same options give as an image, before the plan is shrunk to the placeholder's size.</summary>
    public PixelSize Output { get; set; }

    /// <summary>Any pixel of the (first frame of the) source less than opaque.</summary>
    public bool HasAlpha { get; set; }

    /// <summary><c>#rrggbb</c>, see <see cref="DominantColor"/>.</summary>
    public string DominantColor { get; set; } = "#000000";

    /// <summary>The placeholder as a <c>data:</c> URI.</summary>
    public string Placeholder { get; set; } = "";
}
