using System.Globalization;
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
        // Formatted into the stack and made a string once: this runs on every hit, and a builder and a string per
        // duration would be most of what a hit allocates.
        Span<char> buffer = stackalloc char[256];
        var length = 0;
        Append(buffer, ref length, "cache", cacheLookup);
        Append(buffer, ref length, "fetch", Fetch);
        Append(buffer, ref length, "decode", Transform.Decode);
        Append(buffer, ref length, "transform", Transform.Transform);
        Append(buffer, ref length, "encode", Transform.Encode);
        return new string(buffer[..length]);
    }

    private static void Append(Span<char> buffer, ref int length, string name, TimeSpan duration)
    {
        if (length > 0)
        {
            ", ".CopyTo(buffer[length..]);
            length += 2;
        }

        name.CopyTo(buffer[length..]);
        length += name.Length;
        ";dur=".CopyTo(buffer[length..]);
        length += 5;
        // Five names, separators and five numbers of at most 20 characters each fit in 256; "0.###" as before.
        duration.TotalMilliseconds.TryFormat(buffer[length..], out var written, "0.###", CultureInfo.InvariantCulture);
        length += written;
    }
}
