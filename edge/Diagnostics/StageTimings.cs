using System.Globalization;
using System.Text;
using EdgeImages.Edge.Transforms;

namespace EdgeImages.Edge.Diagnostics;

/// <summary>Time spent in each stage of making a variant, as <c>Server-Timing</c> reports it.</summary>
internal readonly record struct StageTimings(TimeSpan Fetch, TransformTimings Transform)
{
    /// <summary>
    /// The <c>Server-Timing</c> header value. A cache hit reports zero for the stages it skipped and the
    /// lookup under <c>cache</c>, so dashboards can always read the same four metrics.
    /// </summary>
    public string ToServerTiming(TimeSpan cacheLookup)
    {
        var builder = new StringBuilder(96);
        Append(builder, "cache", cacheLookup);
        Append(builder, "fetch", Fetch);
        Append(builder, "decode", Transform.Decode);
        Append(builder, "transform", Transform.Transform);
        Append(builder, "encode", Transform.Encode);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string name, TimeSpan duration)
    {
        if (builder.Length > 0)
        {
            builder.Append(", ");
        }

        builder.Append(name).Append(";dur=").Append(duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture));
    }
}
