using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Tests.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Urls;

/// <summary>Parsers are total: arbitrary input gives a value or an error, never an exception.</summary>
public sealed class TotalityTests
{
    private const string Alphabet = "/-.:,%0123456789abcdefABCDEFwhpqvgfnsxz_~ \\\u0000\u007f\u00e9\uD800\uDC00";

    [Fact]
    public void RandomInput_AnyShape_ParsesOrFailsWithoutThrowing()
    {
        var random = new Random(20261127);
        var ring = new SigningKeyRing([TestKeys.Key("k1")]);
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 80)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            var text = new string(chars);
            var raw = "/" + text;

            _ = OptionsParser.Parse(text);
            var url = ImageUrl.Parse(raw);
            var split = ImageUrl.SplitSignature(raw);
            if (split.IsSuccess)
            {
                _ = SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, ring);
            }

            if (url.IsSuccess)
            {
                Assert.Equal(url.Value.Options, OptionsParser.Parse(CanonicalOptions.FormatForUrl(url.Value.Options)).Value);
            }
        }
    }

    private static readonly string[] Tokens =
    [
        "w:", "h:", "dpr:", "fit:", "g:", "crop:", "rot:", "flip:", "blur:", "sharpen:", "q:", "f:", "bg:", "up:", "exp:", "v:", "p:",
        "0", "1", "90", "400", "8192", "1.5", "0.25", "4", "cover", "fp:0.5:", "n", "hv", "webp", "ff00aa", ":", ",", ".", "-",
    ];

    [Fact]
    public void RandomOptions_FromTokens_RoundTripWhenValid()
    {
        var random = new Random(7);
        var valid = 0;
        for (var i = 0; i < 50_000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => Tokens[random.Next(Tokens.Length)]));
            var result = OptionsParser.Parse(text);
            if (!result.IsSuccess)
            {
                continue;
            }

            valid++;
            Assert.Equal(result.Value, OptionsParser.Parse(CanonicalOptions.FormatForUrl(result.Value)).Value);
            if (result.Value.ExpiresAt is null)
            {
                Assert.Equal(result.Value, OptionsParser.Parse(CanonicalOptions.Format(result.Value)).Value);
            }
        }

        Assert.True(valid > 100, $"only {valid} valid inputs generated");
    }
}
