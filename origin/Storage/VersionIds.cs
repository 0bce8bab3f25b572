using System.Buffers;
using System.Security.Cryptography;

namespace EdgeImages.Origin.Storage;

/// <summary>
/// Version ids: 26 characters of Crockford base32, a ULID in layout: 48 bits of Unix milliseconds, then 80 random
/// bits. They sort by creation time (roughly: clocks of different nodes drift), never collide in practice and fit
/// the URL contract's <c>v:</c> syntax (1 to 64 of <c>[A-Za-z0-9_-]</c>). Which version is the latest is decided
/// by commit order in the database, not by comparing ids.
/// </summary>
internal static class VersionIds
{
    public const int MaxLength = 64;

    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var milliseconds = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(milliseconds >> (8 * (5 - i)));
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        Span<char> text = stackalloc char[26];

        // 128 bits as 26 base32 digits, most significant first (the top digit holds the 3 leftover bits).
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = new UInt128(high, low);
        for (var i = 25; i >= 0; i--)
        {
            text[i] = Crockford[(int)(value & 31)];
            value >>= 5;
        }

        return new string(text);
    }

    public static bool IsValid(ReadOnlySpan<char> version) =>
        version.Length is >= 1 and <= MaxLength && !version.ContainsAnyExcept(Allowed);
}
