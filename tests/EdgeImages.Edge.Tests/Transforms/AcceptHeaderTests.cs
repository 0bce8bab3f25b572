using EdgeImages.Edge.Transforms;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeImages.Edge.Tests.Pipeline;

/// <summary>
/// <c>Accept</c> is read on every request, hits included, from the span when it has the common shape; whatever that
/// reading says must be what the full header parser says, and anything it does not understand goes to the parser.
/// </summary>
public sealed class AcceptHeaderTests
{
    [Theory]
    [InlineData("image/avif,image/webp,image/apng,*/*;q=0.8")]
    [InlineData("image/webp,image/*,*/*;q=0.8")]
    [InlineData("image/avif;q=0, image/webp")]
    [InlineData("image/avif, image/avif;q=0")]
    [InlineData("IMAGE/AVIF;Q=0.5 , image/webp ; q=0.0")]
    [InlineData("*/*")]
    [InlineData("image/png")]
    [InlineData("image/webp;q=1.000;level=1")]
    public void SimpleHeader_ReadFromTheSpan_SameAsTheFullParser(string header)
    {
        Assert.True(AcceptedFormats.TryReadSimple(header, out var simple));

        Assert.Equal(FullParser(header), simple);
        Assert.Equal(FullParser(header), AcceptedFormats.FromAccept(header));
    }

    [Theory]
    [InlineData("")]
    [InlineData("image/webp,")]
    [InlineData("image/webp;q=\"0.5\"")]
    [InlineData("image/webp;q=")]
    [InlineData("image/webp;q=abc")]
    [InlineData("image/webp\t;q=0")]
    [InlineData("not a media type")]
    public void UnusualHeader_LeftToTheFullParser_SameAnswer(string header)
    {
        Assert.False(AcceptedFormats.TryReadSimple(header, out _));

        Assert.Equal(FullParser(header), AcceptedFormats.FromAccept(header));
    }

    [Fact]
    public void DifferentHeaders_InTurn_EachAnsweredForItself()
    {
        // The last header read is remembered: a different one after it must be read, not answered from memory.
        string[] headers = ["image/avif,image/webp,*/*", "image/webp,*/*", "image/avif,image/webp,*/*", "*/*", "image/avif;q=0,image/webp"];
        foreach (var header in headers.Concat(headers.Reverse()))
        {
            Assert.Equal(FullParser(header), AcceptedFormats.FromAccept(header));
            // The same text in another string object is the same header.
            Assert.Equal(FullParser(header), AcceptedFormats.FromAccept(new string(header.AsSpan())));
        }
    }

    // What the edge read before: Microsoft.Net.Http.Headers' parser, then the same rule.
    private static AcceptedFormats FullParser(string header)
    {
        if (!MediaTypeHeaderValue.TryParseList(new StringValues(header), out var types))
        {
            return AcceptedFormats.None;
        }

        return new AcceptedFormats(Names(types, "image/avif"), Names(types, "image/webp"));

        static bool Names(IList<MediaTypeHeaderValue> types, string name) =>
            types.Any(t => t.MediaType.Equals(name, StringComparison.OrdinalIgnoreCase))
            && !types.Any(t => t.MediaType.Equals(name, StringComparison.OrdinalIgnoreCase) && (t.Quality ?? 1) <= 0);
    }
}
