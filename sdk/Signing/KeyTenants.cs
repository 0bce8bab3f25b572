using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Signing;

/// <summary>
/// The tenants a signing key may sign for: a list of tenant ids, or every tenant (a platform key). There is no
/// "unbound" value: a key that names no tenant cannot be built, so forgetting the binding fails where the key is read
/// instead of quietly reading every tenant. Written <c>acme,globex</c>, or <c>*</c> for a platform key.
/// </summary>
public sealed class KeyTenants : IEquatable<KeyTenants>
{
    /// <summary>How a platform key's binding is written.</summary>
    public const string Wildcard = "*";

    private readonly FrozenSet<string> _tenants;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    private KeyTenants(FrozenSet<string> tenants, bool isPlatform)
    {
        _tenants = tenants;
        _bySpan = tenants.GetAlternateLookup<ReadOnlySpan<char>>();
        IsPlatform = isPlatform;
    }

    /// <summary>Every tenant: a platform key, which an operator writes on purpose (<c>*</c>).</summary>
    public static KeyTenants AllTenants { get; } = new(FrozenSet<string>.Empty, isPlatform: true);

    /// <summary>True for a platform key, which signs for every tenant.</summary>
    public bool IsPlatform { get; }

    /// <summary>The tenants of a bound key; empty for a platform key.</summary>
    public IReadOnlySet<string> Tenants => _tenants;

    /// <summary>A key bound to these tenants.</summary>
    /// <param name="tenants">One or more tenant ids, each 1 to 63 characters of <c>[a-z0-9-]</c>.</param>
    /// <exception cref="ArgumentException">The list is empty or a tenant id is malformed.</exception>
    public static KeyTenants Of(params IEnumerable<string> tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var list = tenants.ToList();
        return TryCreate(list, out var result, out var error) ? result : throw new ArgumentException(error, nameof(tenants));
    }

    /// <summary>Reads a binding as configuration writes it: <c>*</c>, or tenant ids separated by commas.</summary>
    /// <param name="text">The configured text.</param>
    /// <exception cref="FormatException">The text is empty, mixes <c>*</c> with ids, or holds a malformed id.</exception>
    public static KeyTenants Parse(string? text) =>
        TryParse(text, out var result, out var error) ? result : throw new FormatException(error);

    /// <summary>As <see cref="Parse"/>, without throwing.</summary>
    /// <param name="text">The configured text.</param>
    /// <param name="result">The binding when this returns true.</param>
    /// <param name="error">What is wrong when this returns false.</param>
    public static bool TryParse(string? text, [NotNullWhen(true)] out KeyTenants? result, [NotNullWhen(false)] out string? error) =>
        TryCreate((text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), out result, out error);

    /// <summary>Builds a binding from a stored list: <c>["*"]</c> for a platform key, else tenant ids.</summary>
    /// <param name="tenants">The list, as the control plane stores it; null or empty is an error (the key is unbound).</param>
    /// <param name="result">The binding when this returns true.</param>
    /// <param name="error">What is wrong when this returns false.</param>
    public static bool TryCreate(IReadOnlyCollection<string>? tenants, [NotNullWhen(true)] out KeyTenants? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (tenants is not { Count: > 0 })
        {
            error = "the key is bound to no tenant; name its tenants (comma-separated ids) or '*' for a platform key";
            return false;
        }

        if (tenants.Contains(Wildcard))
        {
            if (tenants.Count != 1)
            {
                error = "'*' (every tenant) cannot be combined with tenant ids";
                return false;
            }

            result = AllTenants;
            error = null;
            return true;
        }

        foreach (var tenant in tenants)
        {
            if (!IsTenantId(tenant))
            {
                error = $"'{UrlError.Quote(tenant)}' is not a tenant id (1 to 63 characters of [a-z0-9-])";
                return false;
            }
        }

        result = new KeyTenants(tenants.ToFrozenSet(StringComparer.Ordinal), isPlatform: false);
        error = null;
        return true;
    }

    /// <summary>True when a key with this binding may sign for, and verify URLs of, <paramref name="tenant"/>.</summary>
    /// <param name="tenant">The tenant segment of a URL, as sent.</param>
    public bool Allows(ReadOnlySpan<char> tenant) => IsPlatform || _bySpan.Contains(tenant);

    /// <summary>True when every tenant this binding allows is also allowed by <paramref name="other"/>.</summary>
    /// <param name="other">The wider binding.</param>
    public bool IsWithin(KeyTenants other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsPlatform || (!IsPlatform && _tenants.IsSubsetOf(other._tenants));
    }

    /// <summary>True when some tenant is allowed by both bindings.</summary>
    /// <param name="other">The other binding.</param>
    public bool Overlaps(KeyTenants other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return IsPlatform || other.IsPlatform || _tenants.Overlaps(other._tenants);
    }

    /// <summary>The stored form: <c>["*"]</c> or the tenant ids in order.</summary>
    public IReadOnlyList<string> ToList() => IsPlatform ? [Wildcard] : [.. _tenants.Order(StringComparer.Ordinal)];

    /// <summary>The configured form: <c>*</c> or the tenant ids, comma-separated, in order.</summary>
    public override string ToString() => string.Join(',', ToList());

    /// <inheritdoc/>
    public bool Equals(KeyTenants? other) =>
        other is not null && IsPlatform == other.IsPlatform && _tenants.SetEquals(other._tenants);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as KeyTenants);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(IsPlatform, _tenants.Count);

    private static bool IsTenantId(string? id) => id is not null && Identifier.IsValid(id);
}
