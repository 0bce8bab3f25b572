using EdgeImages.Sdk.Signing;

namespace EdgeImages.Edge.Security;

/// <summary>Turns validated <see cref="SigningOptions"/> into the SDK's key ring, the one piece that signs and verifies.</summary>
internal static class SigningKeyRingFactory
{
    public static SigningKeyRing Create(SigningOptions options)
    {
        // Every configured key verifies; only the active one signs. Rotation adds the new key, makes it
        // active, and removes the old one once the pages that embed its URLs are gone. The validator has made
        // sure every key has a binding, so Parse does not throw here.
        var keys = options.Keys.Select(pair => new SigningKey(
            pair.Key,
            Convert.FromHexString(pair.Value),
            KeyTenants.Parse(options.KeyTenants.GetValueOrDefault(pair.Key)),
            pair.Key == options.ActiveKey ? SigningKeyState.Active : SigningKeyState.VerifyOnly));
        return new SigningKeyRing(keys);
    }
}
