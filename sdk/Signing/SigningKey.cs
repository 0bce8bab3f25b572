using System.Security.Cryptography;
using System.Text;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Signing;

/// <summary>Where a key is in its rotation.</summary>
public enum SigningKeyState
{
    /// <summary>Signs new URLs and verifies.</summary>
    Active,
    /// <summary>Verifies URLs signed earlier but signs nothing new: the overlap while a key is being rotated out.</summary>
    VerifyOnly,
    /// <summary>Neither signs nor verifies; kept only so that the edge can say "retired" instead of "unknown".</summary>
    Retired,
}

/// <summary>
/// An HMAC-SHA256 URL signing key: the id that appears in signatures (<c>kid</c>), the secret, the tenants it may sign
/// for, and its rotation state. The secret is copied in, never printed by <see cref="object.ToString"/>, and compared in
/// constant time.
/// </summary>
public sealed record SigningKey
{
    /// <summary>Below this many bytes a secret is refused: HMAC-SHA256 is only as strong as its key.</summary>
    public const int MinSecretBytes = 16;

    /// <summary>Creates a key, copying the secret so that later changes to the caller's buffer cannot alter it.</summary>
    /// <param name="id">The key id written in signatures: 1 to 16 characters of <c>[a-z0-9-]</c>.</param>
    /// <param name="secret">At least <see cref="MinSecretBytes"/> bytes of secret.</param>
    /// <param name="tenants">The tenants it signs for: a URL of another tenant is refused by the signer and the edge.</param>
    /// <param name="state">The rotation state.</param>
    /// <exception cref="ArgumentException">The id, secret or state is invalid.</exception>
    public SigningKey(string id, ReadOnlySpan<byte> secret, KeyTenants tenants, SigningKeyState state = SigningKeyState.Active)
    {
        Id = id;
        Secret = secret.ToArray();
        Tenants = tenants;
        State = state;
    }

    /// <summary>The key id (<c>kid</c>) written before the dot in signatures.</summary>
    public string Id
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!IsValidId(value))
            {
                throw new ArgumentException("key id must be 1 to 16 characters of [a-z0-9-]", nameof(value));
            }

            field = value;
        }
    }

    /// <summary>The HMAC secret.</summary>
    public ReadOnlyMemory<byte> Secret
    {
        get;
        init
        {
            if (value.Length < MinSecretBytes)
            {
                throw new ArgumentException($"secret must be at least {MinSecretBytes} bytes", nameof(value));
            }

            field = value;
        }
    }

    /// <summary>The tenants this key may sign for; its MAC on another tenant's URL is refused (403 at the edge).</summary>
    public KeyTenants Tenants
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    }

    /// <summary>Whether the key signs, verifies, or neither.</summary>
    public SigningKeyState State
    {
        get;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "unknown signing key state");
            }

            field = value;
        }
    }

    /// <summary>True when <paramref name="id"/> has the key-id shape: 1 to 16 characters of <c>[a-z0-9-]</c>.</summary>
    /// <param name="id">A candidate key id.</param>
    public static bool IsValidId(ReadOnlySpan<char> id) =>
        Identifier.IsValid(id, Identifier.MaxKeyIdLength);

    /// <summary>Equal when id, tenants, state and secret bytes are equal; the secrets are compared in constant time.</summary>
    /// <param name="other">The key to compare with.</param>
    public bool Equals(SigningKey? other) =>
        other is not null
        && string.Equals(Id, other.Id, StringComparison.Ordinal)
        && State == other.State
        && Tenants.Equals(other.Tenants)
        && CryptographicOperations.FixedTimeEquals(Secret.Span, other.Secret.Span);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, State);

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id).Append(", Tenants = ").Append(Tenants).Append(", State = ").Append(State).Append(", Secret = (hidden)");
        return true;
    }
}
