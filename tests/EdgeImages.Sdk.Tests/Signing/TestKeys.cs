using EdgeImages.Sdk.Signing;

namespace EdgeImages.Sdk.Tests.Signing;

internal static class TestKeys
{
    public static byte[] Secret(byte seed) => Enumerable.Range(seed, 32).Select(i => (byte)i).ToArray();

    // Bound to every tenant: these keys test MACs, states and rings; the binding has tests of its own (KeyTenantsTests).
    public static SigningKey Key(string id, SigningKeyState state = SigningKeyState.Active, byte seed = 0) => new(id, Secret(seed), KeyTenants.AllTenants, state);
}
