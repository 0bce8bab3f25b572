using System.Security.Cryptography;
using System.Text;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Tests.Signing;

/// <summary>The per-thread HMAC contexts must give exactly the one-shot HMAC, whichever keys came before.</summary>
public sealed class HmacContextsTests
{
    [Fact]
    public void ManyKeys_Interleaved_EachMacIsTheOneShotHmacOfItsOwnKey()
    {
        // More keys than a thread keeps, in an order that evicts and brings each back, each message twice in a row
        // (a context not reset after a MAC would carry the first into the second).
        var secrets = Enumerable.Range(0, 7).Select(i => (ReadOnlyMemory<byte>)RandomNumberGenerator.GetBytes(32 + i)).ToArray();
        var order = new[] { 0, 1, 0, 2, 3, 4, 5, 6, 0, 6, 1, 5, 2, 4, 3 };
        Span<byte> mac = stackalloc byte[32];
        foreach (var (index, round) in order.Select((index, round) => (index, round)))
        {
            var message = Encoding.UTF8.GetBytes($"/w:{round}/acme/cat-{index}.jpg");
            for (var repeat = 0; repeat < 2; repeat++)
            {
                HmacContexts.Compute(secrets[index], message, mac);

                Assert.Equal(HMACSHA256.HashData(secrets[index].Span, message), mac.ToArray());
            }
        }
    }
}
