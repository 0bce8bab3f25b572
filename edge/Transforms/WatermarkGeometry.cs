using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Transforms;

/// <summary>Where a watermark lands on an output, in output pixels: pure arithmetic on sizes, tested without pixels.</summary>
internal static class WatermarkGeometry
{
    /// <summary>
    /// The rectangle (x, y, width, height) the watermark of size <paramref name="mark"/> covers on <paramref name="output"/>.
    /// Its width is the placement's fraction of the output's width and its height keeps its aspect; one that would not
    /// fit inside the margins (a tall mark on a wide, short output) is scaled down until it does, and margins that
    /// would leave no room are dropped: a watermark is never cut off by the output's edge, nor left out.
    /// </summary>
    public static (int X, int Y, int Width, int Height) Place(PixelSize output, PixelSize mark, WatermarkPlacement placement)
    {
        var margin = (int)Math.Round(output.Width * placement.Margin);
        if (2 * margin >= output.Width || 2 * margin >= output.Height)
        {
            margin = 0;
        }

        double roomWidth = output.Width - (2 * margin), roomHeight = output.Height - (2 * margin);
        var width = Math.Min(output.Width * placement.Width, roomWidth);
        var height = width * mark.Height / mark.Width;
        if (height > roomHeight)
        {
            (width, height) = (width * roomHeight / height, roomHeight);
        }

        int w = Math.Max(1, (int)Math.Round(width)), h = Math.Max(1, (int)Math.Round(height));
        var x = Horizontal(placement.Gravity) switch
        {
            < 0 => margin,
            > 0 => output.Width - margin - w,
            _ => (output.Width - w) / 2,
        };
        var y = Vertical(placement.Gravity) switch
        {
            < 0 => margin,
            > 0 => output.Height - margin - h,
            _ => (output.Height - h) / 2,
        };
        return (x, y, w, h);
    }

    // -1 towards the left or top, +1 towards the right or bottom, 0 centred.
    private static int Horizontal(GravityKind gravity) => gravity switch
    {
        GravityKind.West or GravityKind.NorthWest or GravityKind.SouthWest => -1,
        GravityKind.East or GravityKind.NorthEast or GravityKind.SouthEast => 1,
        _ => 0,
    };

    private static int Vertical(GravityKind gravity) => gravity switch
    {
        GravityKind.North or GravityKind.NorthEast or GravityKind.NorthWest => -1,
        GravityKind.South or GravityKind.SouthEast or GravityKind.SouthWest => 1,
        _ => 0,
    };
}
