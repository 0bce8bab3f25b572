namespace EdgeImages.Edge.Transforms;

/// <summary>
/// A walk over a JPEG's marker segments, because libjpeg (and so Skia) decodes a valid header followed by
/// garbage as <c>Success</c>: it warns "corrupt data", pads the rest with flat blocks and carries on. In a
/// real file every 0xFF inside entropy-coded data is followed by 0x00 (stuffing) or a restart marker, and a
/// scan ends at a known marker; random bytes break that within the first few hundred bytes. Running out
/// of bytes is not corruption (truncation has its own policy). The trade-off: files from broken encoders
/// that browsers still show are refused with 415; we prefer that to caching noise.
/// </summary>
internal static class JpegStructure
{
    /// <summary>False when <paramref name="jpeg"/> starts like a JPEG but its segments or scans are malformed.</summary>
    public static bool LooksIntact(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return true;
        }

        var i = 2;
        var afterScan = false;
        var restarts = false;
        while (i < jpeg.Length)
        {
            if (jpeg[i] != 0xFF)
            {
                return false;
            }

            while (i < jpeg.Length && jpeg[i] == 0xFF)
            {
                i++; // fill bytes before a marker are allowed
            }

            if (i >= jpeg.Length)
            {
                return true;
            }

            var marker = jpeg[i++];
            if (marker == 0xD9)
            {
                return true; // EOI: whatever follows is not part of the image
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue; // standalone markers carry no length
            }

            if (!(afterScan ? IsSegmentAfterScan(marker) : IsSegment(marker)))
            {
                return false;
            }

            if (i + 3 > jpeg.Length)
            {
                return true;
            }

            var length = (jpeg[i] << 8) | jpeg[i + 1];
            if (!PlausibleLength(marker, length, jpeg[i + 2]))
            {
                return false;
            }

            if (marker == 0xDD && i + 4 <= jpeg.Length)
            {
                restarts = ((jpeg[i + 2] << 8) | jpeg[i + 3]) != 0;
            }

            i += length;
            if (marker == 0xDA)
            {
                i = EndOfScan(jpeg, i, restarts);
                if (i < 0)
                {
                    return false;
                }

                afterScan = true;
            }
        }

        return true;
    }

    /// <summary>
    /// The frame header (SOFn) of <paramref name="jpeg"/>: whether it is progressive (SOF2, SOF6, SOF10, SOF14) and how
    /// many components it has; zero components when no frame header precedes the first scan.
    /// </summary>
    public static JpegFrame ReadFrame(ReadOnlySpan<byte> jpeg)
    {
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            var marker = jpeg[i + 1];
            if (marker == 0xFF)
            {
                i++; // a fill byte before the marker
                continue;
            }

            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                var components = i + 9 < jpeg.Length ? jpeg[i + 9] : 0;
                return new JpegFrame(Progressive: marker is 0xC2 or 0xC6 or 0xCA or 0xCE, components);
            }

            if (marker == 0xDA || length < 2)
            {
                break;
            }

            i += 2 + length;
        }

        return new JpegFrame(Progressive: false, Components: 0);
    }

    /// <summary>
    /// Bytes per source pixel that libjpeg holds for the whole image while decoding: a progressive (or other
    /// multi-scan) frame keeps every DCT coefficient, two bytes per sample, until its last scan, whatever the
    /// output scale (4:2:0 colour is 1.5 samples per pixel, so 3 bytes; grey 2; 4:4:4 6). A baseline frame is
    /// decoded one row of blocks at a time: 0.
    /// </summary>
    public static double WholeImageBytesPerPixel(ReadOnlySpan<byte> jpeg)
    {
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            var marker = jpeg[i + 1];
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                var baseline = marker is 0xC0 or 0xC1;
                var frame = jpeg.Slice(i + 4, Math.Min(length - 2, jpeg.Length - i - 4));
                if (baseline || frame.Length < 6)
                {
                    return 0;
                }

                int components = frame[5], hMax = 1, vMax = 1, units = 0;
                for (var c = 0; c < components && 6 + (3 * c) + 1 < frame.Length; c++)
                {
                    int h = frame[6 + (3 * c) + 1] >> 4, v = frame[6 + (3 * c) + 1] & 0x0F;
                    (hMax, vMax, units) = (Math.Max(hMax, h), Math.Max(vMax, v), units + (h * v));
                }

                return 2.0 * units / (hMax * vMax);
            }

            if (marker == 0xDA)
            {
                return 0;
            }

            i += 2 + length;
        }

        return 0;
    }

    /// <summary>
    /// Index of the 0xFF that starts the marker ending the entropy-coded data at <paramref name="start"/>, or -1
    /// when restart markers appear without a restart interval or out of their 0-7 cycle.
    /// </summary>
    private static int EndOfScan(ReadOnlySpan<byte> jpeg, int start, bool restarts)
    {
        var i = start;
        var expected = 0xD0;
        while (i < jpeg.Length)
        {
            var next = jpeg[i..].IndexOf((byte)0xFF);
            if (next < 0 || i + next + 1 >= jpeg.Length)
            {
                return jpeg.Length;
            }

            i += next;
            var follower = jpeg[i + 1];
            if (follower is >= 0xD0 and <= 0xD7)
            {
                if (!restarts || follower != expected)
                {
                    return -1;
                }

                expected = expected == 0xD7 ? 0xD0 : expected + 1;
            }
            else if (follower != 0x00)
            {
                return i;
            }

            i += 2;
        }

        return i;
    }

    // After a scan come tables, another scan, a restart interval, DNL, a comment or EOI: never a frame, and in
    // practice never APPn (metadata precedes the frame), which is what random bytes most often look like.
    private static bool IsSegmentAfterScan(byte marker) => marker is 0xC4 or 0xCC or (>= 0xDA and <= 0xDD) or 0xFE;

    // Lengths fixed by the standard: DRI is 4, DNL 4, SOS 6 + 2 per component (1 to 4), DHT has 16 counts.
    private static bool PlausibleLength(byte marker, int length, byte first) => marker switch
    {
        0xDD or 0xDC => length == 4,
        0xDA => first is >= 1 and <= 4 && length == 6 + (2 * first),
        0xC4 => length >= 19,
        0xDB => IsQuantisationLength(length - 2),
        _ => length >= 2,
    };

    // A DQT holds 1 to 4 tables of 65 (8-bit) or 129 (16-bit) bytes.
    private static bool IsQuantisationLength(int payload)
    {
        for (var wide = 0; wide <= 4; wide++)
        {
            var rest = payload - (129 * wide);
            if (rest >= 0 && rest % 65 == 0 && wide + (rest / 65) is >= 1 and <= 4)
            {
                return true;
            }
        }

        return false;
    }

    // SOFn (not C4/C8/CC), DHT, DAC, SOS, DQT, DNL, DRI, DHP, EXP, APPn, COM.
    private static bool IsSegment(byte marker) =>
        marker is (>= 0xC0 and <= 0xCF and not 0xC8) or (>= 0xDA and <= 0xDF) or (>= 0xE0 and <= 0xEF) or 0xFE;
}

/// <summary>What the decoders need to know from a JPEG's frame header.</summary>
internal readonly record struct JpegFrame(bool Progressive, int Components);
