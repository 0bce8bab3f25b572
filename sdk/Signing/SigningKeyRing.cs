using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace EdgeImages.Sdk.Signing;

/// <summary>
/// An immutable set of signing keys, one per id. To rotate, build a new ring and swap the reference: readers never see
/// a half-updated set, and no lock is taken on the request path.
/// </summary>
public sealed class SigningKeyRing : ISigningKeyProvider
{
    private readonly FrozenDictionary<string, SigningKey> _byId;
    private readonly FrozenDictionary<string, SigningKey>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>Builds a ring from keys with distinct ids.</summary>
    /// <param name="keys">The keys, in any state.</param>
    /// <exception cref="ArgumentException">Two keys share an id.</exception>
    public SigningKeyRing(IEnumerable<SigningKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var byId = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(keys));
            if (!byId.TryAdd(key.Id, key))
            {
                throw new ArgumentException($"key id '{key.Id}' is used by more than one key", nameof(keys));
            }
        }

        _byId = byId.ToFrozenDictionary(StringComparer.Ordinal);
        _bySpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every key in the ring, in no particular order.</summary>
    public IReadOnlyCollection<SigningKey> Keys => _byId.Values;

    /// <inheritdoc/>
    public bool TryGetKey(ReadOnlySpan<char> kid, [NotNullWhen(true)] out SigningKey? key) => _bySpan.TryGetValue(kid, out key);
}
