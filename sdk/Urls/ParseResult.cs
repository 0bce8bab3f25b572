using System.Diagnostics.CodeAnalysis;

namespace EdgeImages.Sdk.Urls;

/// <summary>
/// The outcome of a total parse: a value, or the <see cref="UrlError"/> that says why there is none.
/// Parsers return this instead of throwing, so that every input maps to a response without exceptions on the hot path.
/// </summary>
/// <typeparam name="T">What a successful parse produces.</typeparam>
/// <remarks><c>default(ParseResult&lt;T&gt;)</c> is a failure without an error object; create results with
/// <see cref="ParseResult.Success{T}"/> and <see cref="ParseResult.Failure{T}"/>.</remarks>
public readonly struct ParseResult<T> : IEquatable<ParseResult<T>>
{
    private readonly T? _value;
    private readonly UrlError? _error;
    private readonly bool _isSuccess;

    internal ParseResult(T value)
    {
        _value = value;
        _isSuccess = true;
    }

    internal ParseResult(UrlError error)
    {
        _error = error;
    }

    /// <summary>True when <see cref="Value"/> holds the parsed value and <see cref="Error"/> is null.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    public bool IsSuccess => _isSuccess;

    /// <summary>The parsed value; <c>default</c> when the parse failed.</summary>
    public T? Value => _value;

    /// <summary>Why the parse failed; null on success.</summary>
    public UrlError? Error => _error;

    internal static ParseResult<T> FromValue(T value) => new(value);

    internal static ParseResult<T> FromError(UrlError error) => new(error);

    /// <summary>Deconstructs into the usual try-pattern.</summary>
    /// <param name="value">The parsed value when this returns true.</param>
    /// <param name="error">The rejection when this returns false (null only for a default-constructed result).</param>
    public bool TryGetValue([MaybeNullWhen(false)] out T value, out UrlError? error)
    {
        value = _value;
        error = _error;
        return _isSuccess;
    }

    /// <inheritdoc/>
    public bool Equals(ParseResult<T> other) =>
        _isSuccess == other._isSuccess && EqualityComparer<T?>.Default.Equals(_value, other._value) && Equals(_error, other._error);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ParseResult<T> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_isSuccess, _value, _error);

    /// <inheritdoc/>
    public override string ToString() => _isSuccess ? $"Success({_value})" : $"Failure({_error})";

    /// <summary>Compares two results by value or error.</summary>
    public static bool operator ==(ParseResult<T> left, ParseResult<T> right) => left.Equals(right);

    /// <summary>Compares two results by value or error.</summary>
    public static bool operator !=(ParseResult<T> left, ParseResult<T> right) => !left.Equals(right);
}

/// <summary>Creates <see cref="ParseResult{T}"/> values (a separate type so the generic one has no static members).</summary>
public static class ParseResult
{
    /// <summary>Wraps a parsed value.</summary>
    /// <param name="value">The value the parse produced.</param>
    /// <typeparam name="T">What the parse produces.</typeparam>
    public static ParseResult<T> Success<T>(T value) => new(value);

    /// <summary>Wraps a rejection.</summary>
    /// <param name="error">What was wrong with the input.</param>
    /// <typeparam name="T">What the parse would have produced.</typeparam>
    public static ParseResult<T> Failure<T>(UrlError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(error);
    }
}
