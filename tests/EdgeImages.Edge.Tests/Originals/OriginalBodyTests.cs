using System.Runtime.InteropServices;
using EdgeImages.Edge.Http;
using EdgeImages.Edge.Originals;
using EdgeImages.Edge.Tests.Transforms;

namespace EdgeImages.Edge.Tests.Originals;

/// <summary>
/// An original's body is counted in its miss's memory reservation before its bytes arrive: the announced length at
/// once, a body of unknown length as its buffer grows.
/// </summary>
public sealed class OriginalBodyTests
{
    private const long MiB = 1024 * 1024;
    private const long NoByteLimit = 50 * MiB;

    private static readonly OriginalBuffers Buffers = new(maxIdleCount: 4, maxIdleBytes: 64 * MiB);

    [Fact]
    public async Task AnnouncedLength_ReservedBeforeAnyByteIsRead_AsTheWholePooledArray()
    {
        var bytes = Body(2_831_155);
        var budget = MemoryBudgetTests.Budget(16 * MiB);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);
        memory.Enter();

        using var original = await OriginalBody.ReadAsync(new MemoryStream(bytes), bytes.Length, NoByteLimit, version: "v1", Buffers, CancellationToken.None);

        // The array is the pool's 3 MiB size for this body, and the reservation counts all of it.
        Assert.Equal(3 * MiB, memory.Bytes);
        Assert.True(MemoryMarshal.TryGetArray(original.Content, out var array));
        Assert.Equal(3 * MiB, array.Array!.Length);
        Assert.NotNull(original.Owner);
        Assert.Equal(bytes, original.Content.ToArray());
        // Pass-through must not cache the pool's array.
        Assert.NotSame(array.Array, original.ToExactArray());
        Assert.Equal(bytes, original.ToExactArray());
    }

    [Fact]
    public async Task AnnouncedSmallBody_IsItsOwnArrayOfExactlyItsLength_PassThroughCopiesNothing()
    {
        var bytes = Body(10_000);

        using var original = await OriginalBody.ReadAsync(new MemoryStream(bytes), bytes.Length, NoByteLimit, version: "v1", Buffers, CancellationToken.None);

        Assert.Null(original.Owner);
        Assert.Same(original.ToExactArray(), original.ToExactArray());
        Assert.Equal(bytes, original.ToExactArray());
    }

    [Fact]
    public async Task AnnouncedLength_BodyEndingEarly_IsAnIOException()
    {
        var truncated = new MemoryStream(Body(MiB));

        var failed = await Assert.ThrowsAsync<IOException>(
            () => OriginalBody.ReadAsync(truncated, 2 * MiB, NoByteLimit, null, Buffers, CancellationToken.None));

        Assert.Contains($"after {MiB} of its {2 * MiB} bytes", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnnouncedLengthMoreThanIsFree_Sheds503_BeforeReadingTheBody()
    {
        var budget = MemoryBudgetTests.Budget(8 * MiB);
        using var others = await budget.ReserveAsync("others", 6 * MiB, CancellationToken.None);
        using var memory = await budget.ReserveAsync("a", MiB, CancellationToken.None);
        memory.Enter();
        var body = new MemoryStream(Body(3 * MiB));

        var shed = await Assert.ThrowsAsync<EdgeProblemException>(() => OriginalBody.ReadAsync(body, body.Length, NoByteLimit, null, Buffers, CancellationToken.None));

        Assert.Equal(503, shed.Status);
        Assert.Equal(0, body.Position);
        Assert.Equal(7 * MiB, budget.ReservedBytes);
    }

    [Fact]
    public async Task UnknownLength_ReservationGrowsWithTheBuffer_ContentIntact()
    {
        var bytes = Body(3 * MiB);
        var budget = MemoryBudgetTests.Budget(16 * MiB);
        using var memory = await budget.ReserveAsync("a", 64 * 1024, CancellationToken.None);
        memory.Enter();

        using var original = await OriginalBody.ReadAsync(new Chunked(bytes), announcedLength: null, NoByteLimit, version: "v1", Buffers, CancellationToken.None);

        Assert.Equal(bytes, original.Content.ToArray());
        // The last doubling held the old buffer and the new one at once: at least the body and half of it again.
        Assert.True(memory.Bytes >= bytes.Length * 3 / 2, $"{memory.Bytes} bytes reserved");
    }

    [Fact]
    public async Task UnknownLength_GrowingPastTheWholeBudget_Is413()
    {
        var budget = MemoryBudgetTests.Budget(2 * MiB);
        using var memory = await budget.ReserveAsync("a", 64 * 1024, CancellationToken.None);
        memory.Enter();

        var refused = await Assert.ThrowsAsync<EdgeProblemException>(
            () => OriginalBody.ReadAsync(new Chunked(Body(3 * MiB)), announcedLength: null, NoByteLimit, null, Buffers, CancellationToken.None));

        Assert.Equal(413, refused.Status);
    }

    [Fact]
    public async Task UnknownLength_GrowingPastWhatIsFree_Sheds503()
    {
        var budget = MemoryBudgetTests.Budget(8 * MiB);
        using var others = await budget.ReserveAsync("others", 6 * MiB, CancellationToken.None);
        using var memory = await budget.ReserveAsync("a", 64 * 1024, CancellationToken.None);
        memory.Enter();

        var shed = await Assert.ThrowsAsync<EdgeProblemException>(
            () => OriginalBody.ReadAsync(new Chunked(Body(3 * MiB)), announcedLength: null, NoByteLimit, null, Buffers, CancellationToken.None));

        Assert.Equal(503, shed.Status);
        Assert.True(budget.ReservedBytes <= 8 * MiB);
    }

    private static byte[] Body(long length)
    {
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A body whose length nobody announced, arriving 16 KB at a time, as a chunked response does.</summary>
    private sealed class Chunked(byte[] bytes) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(buffer.Length, 16 * 1024), bytes.Length - _position);
            bytes.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
