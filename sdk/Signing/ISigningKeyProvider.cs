using System.Diagnostics.CodeAnalysis;

namespace EdgeImages.Sdk.Signing;

/// <summary>Finds signing keys by id for verification; implementations must be safe for concurrent reads.</summary>
public interface ISigningKeyProvider
{
    /// <summary>
    /// Looks a key up by its id. Takes a span so that the verifier can look up the id it cut from the request without
    /// allocating a string; a <see cref="string"/> converts implicitly.
    /// </summary>
    /// <param name="kid">The key id from a signature.</param>
    /// <param name="key">The key, in whatever state it is, when found.</param>
    bool TryGetKey(ReadOnlySpan<char> kid, [NotNullWhen(true)] out SigningKey? key);
}
