using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Tests.Signing;

internal static class TestKeys
{
    public static byte[] Secret(byte seed) => Enumerable.Range(seed, 32).Select(i => (byte)i).ToArray();

    public static SigningKey Key(string id, SigningKeyState state = SigningKeyState.Active, byte seed = 0) => new(id, Secret(seed), state);
}
