using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

public sealed class UrlErrorTests
{
    [Theory]
    [InlineData(UrlErrorKind.InvalidOptions, 400)]
    [InlineData(UrlErrorKind.InvalidTenant, 400)]
    [InlineData(UrlErrorKind.InvalidPath, 400)]
    [InlineData(UrlErrorKind.SignatureMissing, 403)]
    [InlineData(UrlErrorKind.SignatureMalformed, 403)]
    [InlineData(UrlErrorKind.UnknownKey, 403)]
    [InlineData(UrlErrorKind.SignatureMismatch, 403)]
    [InlineData(UrlErrorKind.Expired, 403)]
    public void Kind_Any_MapsToStatus(UrlErrorKind kind, int status) => Assert.Equal(status, new UrlError(kind, "x").Status);

    [Theory]
    [InlineData("zz", "zz")]
    [InlineData("a<b>\"c'&\\", "a?b??c???")]
    [InlineData("a\u0000\u00e9 b", "a???b")]
    [InlineData("0123456789012345678901234567890123456789", "01234567890123456789012345678901...")]
    public void Quote_RequestText_IsShortAndPrintable(string text, string quoted) => Assert.Equal(quoted, UrlError.Quote(text));

    [Fact]
    public void Result_Default_IsFailureWithoutValue()
    {
        var result = default(ParseResult<string>);

        Assert.False(result.IsSuccess);
        Assert.Null(result.Value);
    }

    [Fact]
    public void Result_SuccessAndFailure_CompareByContent()
    {
        var error = new UrlError(UrlErrorKind.InvalidPath, "x");

        Assert.Equal(ParseResult.Success("a"), ParseResult.Success("a"));
        Assert.Equal(ParseResult.Failure<string>(error), ParseResult.Failure<string>(error with { }));
        Assert.NotEqual(ParseResult.Success("a"), ParseResult.Failure<string>(error));
        Assert.True(ParseResult.Success(1).TryGetValue(out var value, out var none));
        Assert.Equal(1, value);
        Assert.Null(none);
    }
}
