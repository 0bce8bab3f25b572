namespace EdgeImages.Edge.Originals;

/// <summary>Names an original's media type from its first bytes; the file name is not trusted.</summary>
internal static class ImageSniffer
{
    public const string OctetStream = "application/octet-stream";

    public static string ContentTypeOf(ReadOnlySpan<byte> head) => head switch
    {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "image/png",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "image/gif",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
        [(byte)'B', (byte)'M', ..] => "image/bmp",
        _ => OctetStream,
    };
}
