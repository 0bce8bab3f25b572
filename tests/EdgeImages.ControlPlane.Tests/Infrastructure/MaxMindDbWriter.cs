using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>
/// Writes a small MaxMind DB (format 2.0, IPv4 tree, 24-bit records) with a city-style record per network:
/// <c>{ location: { latitude, longitude }, city: { names: { en } } }</c>. No writer package is served, and the
/// format is small: a binary search tree over the address bits, a 16-byte separator, the data section, then the
/// metadata map after a marker. Networks must not overlap.
/// </summary>
internal static class MaxMindDbWriter
{
    public static void Write(string path, IEnumerable<(string Cidr, double Latitude, double Longitude, string City)> networks)
    {
        var nodes = new List<Record[]> { NewNode() };
        var data = new MemoryStream();
        foreach (var (cidr, latitude, longitude, city) in networks)
        {
            var network = IPNetwork.Parse(cidr);
            var offset = (int)data.Length;
            WriteMap(data, 2);
            WriteString(data, "location");
            WriteMap(data, 2);
            WriteString(data, "latitude");
            WriteDouble(data, latitude);
            WriteString(data, "longitude");
            WriteDouble(data, longitude);
            WriteString(data, "city");
            WriteMap(data, 1);
            WriteString(data, "names");
            WriteMap(data, 1);
            WriteString(data, "en");
            WriteString(data, city);

            var bits = BinaryPrimitives.ReadUInt32BigEndian(network.BaseAddress.GetAddressBytes());
            var node = 0;
            for (var depth = 0; depth < network.PrefixLength; depth++)
            {
                var bit = (int)((bits >> (31 - depth)) & 1);
                if (depth == network.PrefixLength - 1)
                {
                    nodes[node][bit] = new Record(RecordKind.Data, offset);
                    break;
                }

                if (nodes[node][bit].Kind != RecordKind.Node)
                {
                    nodes.Add(NewNode());
                    nodes[node][bit] = new Record(RecordKind.Node, nodes.Count - 1);
                }

                node = nodes[node][bit].Value;
            }
        }

        using var file = File.Create(path);
        var count = nodes.Count;
        foreach (var node in nodes)
        {
            foreach (var record in node)
            {
                var value = record.Kind switch
                {
                    RecordKind.Node => record.Value,
                    RecordKind.Data => count + 16 + record.Value,
                    _ => count,
                };
                file.Write([(byte)(value >> 16), (byte)(value >> 8), (byte)value]);
            }
        }

        file.Write(new byte[16]);
        data.Position = 0;
        data.CopyTo(file);

        file.Write([0xAB, 0xCD, 0xEF]);
        file.Write(Encoding.ASCII.GetBytes("MaxMind.com"));
        var metadata = new MemoryStream();
        WriteMap(metadata, 9);
        WriteString(metadata, "node_count");
        WriteUnsigned(metadata, 6, (ulong)count);
        WriteString(metadata, "record_size");
        WriteUnsigned(metadata, 5, 24);
        WriteString(metadata, "ip_version");
        WriteUnsigned(metadata, 5, 4);
        WriteString(metadata, "database_type");
        WriteString(metadata, "EdgeImages-Test-City");
        WriteString(metadata, "languages");
        WriteControl(metadata, 11, 1);
        WriteString(metadata, "en");
        WriteString(metadata, "binary_format_major_version");
        WriteUnsigned(metadata, 5, 2);
        WriteString(metadata, "binary_format_minor_version");
        WriteUnsigned(metadata, 5, 0);
        WriteString(metadata, "build_epoch");
        WriteUnsigned(metadata, 9, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        WriteString(metadata, "description");
        WriteMap(metadata, 1);
        WriteString(metadata, "en");
        WriteString(metadata, "test database");
        metadata.Position = 0;
        metadata.CopyTo(file);
    }

    private static Record[] NewNode() => [new(RecordKind.Empty, 0), new(RecordKind.Empty, 0)];

    private static void WriteControl(Stream stream, int type, int size)
    {
        if (size >= 29 + 256)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "only values under 285 bytes are written here");
        }

        var sizeBits = size < 29 ? size : 29;
        if (type <= 7)
        {
            stream.WriteByte((byte)((type << 5) | sizeBits));
        }
        else
        {
            stream.WriteByte((byte)sizeBits);
            stream.WriteByte((byte)(type - 7));
        }

        if (size >= 29)
        {
            stream.WriteByte((byte)(size - 29));
        }
    }

    private static void WriteMap(Stream stream, int pairs) => WriteControl(stream, 7, pairs);

    private static void WriteString(Stream stream, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteControl(stream, 2, bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteDouble(Stream stream, double value)
    {
        WriteControl(stream, 3, 8);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteUnsigned(Stream stream, int type, ulong value)
    {
        var bytes = new List<byte>();
        for (var v = value; v > 0; v >>= 8)
        {
            bytes.Insert(0, (byte)v);
        }

        WriteControl(stream, type, bytes.Count);
        stream.Write(bytes.ToArray());
    }

    private enum RecordKind
    {
        Empty,
        Node,
        Data,
    }

    private readonly record struct Record(RecordKind Kind, int Value);
}
