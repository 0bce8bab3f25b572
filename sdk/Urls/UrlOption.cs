using System.Globalization;
using System.Runtime.CompilerServices;

namespace EdgeImages.Sdk.Urls;

/// <summary>What an option is for, which decides where it goes besides the URL.</summary>
internal enum OptionRole
{
    /// <summary>Changes the output: part of the cache key, and a preset may supply it.</summary>
    Transform,

    /// <summary>Picks what is transformed (<c>v</c>) or with what (<c>p</c>): part of the cache key, never from a preset.</summary>
    Address,

    /// <summary>Decides whether a request is served, not what (<c>exp</c>): left out of the cache key, never from a preset.</summary>
    Admission,
}

/// <summary>
/// One URL option, everything about it in one place: its name, its role, how its value is read and checked, how it is
/// written in canonical form, and how a preset's value fills it in. The parser, the canonical form, the builder's
/// validation and the preset merge are loops over <see cref="UrlOptions.All"/>; none of them names an option.
/// </summary>
/// <remarks>Each has a twin in the JavaScript SDK (<c>sdk/js/index.js</c>, <c>OPTIONS</c>); the shared vectors hold
/// the two to the same spellings and the same error details.</remarks>
internal abstract class UrlOption(string name, OptionRole role, string rule)
{
    /// <summary>The name before the colon.</summary>
    public string Name { get; } = name;

    public OptionRole Role { get; } = role;

    /// <summary>The detail of the error for a value that breaks the rule; the JavaScript twin answers the same.</summary>
    public string Rule { get; } = rule;

    /// <summary>Reads a value as written after <c>name:</c> and stores it; false when the value breaks the rule.</summary>
    public abstract bool TryRead(ReadOnlySpan<char> text, ref OptionValues values);

    public abstract bool IsSet(ref OptionValues values);

    /// <summary>Writes the value, which must be set, in its one canonical spelling (without the name).</summary>
    public abstract void Write(ref OptionValues values, ref DefaultInterpolatedStringHandler text);

    /// <summary>The preset merge: keeps the value when set, else takes the one in <paramref name="preset"/>.</summary>
    public abstract void Inherit(ref OptionValues values, ref OptionValues preset);

    public abstract void Clear(ref OptionValues values);

    /// <summary>
    /// True when the value, written and read back, is written the same again: the check for options built in code.
    /// A value the grammar cannot carry (a dpr of 1.555, an undefined enum, a version with a comma) is written in a
    /// spelling the reader refuses, so it fails here with this option's rule rather than somewhere later.
    /// </summary>
    public bool RoundTrips(ref OptionValues values)
    {
        var written = Text(ref values);
        var reread = default(OptionValues);
        return TryRead(written, ref reread) && Text(ref reread) == written;
    }

    private string Text(ref OptionValues values)
    {
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[64]);
        Write(ref values, ref text);
        return text.ToStringAndClear();
    }
}

/// <summary>Where an option keeps its value in <see cref="OptionValues"/>.</summary>
internal delegate ref T? ValueField<T>(ref OptionValues values)
    where T : struct;

/// <summary>Where a text option keeps its value in <see cref="OptionValues"/>.</summary>
internal delegate ref string? TextField(ref OptionValues values);

/// <summary>True when a text value keeps the option's rule.</summary>
internal delegate bool TextRule(ReadOnlySpan<char> text);

/// <summary>Reads one value; false when the text breaks the option's rule.</summary>
internal delegate bool ValueReader<T>(ReadOnlySpan<char> text, out T value);

/// <summary>Writes one value in canonical form.</summary>
internal delegate void ValueWriter<in T>(T value, ref DefaultInterpolatedStringHandler text);

/// <summary>An option whose value is a number, an enum or a small struct.</summary>
internal sealed class ValueOption<T>(string name, OptionRole role, string rule, ValueField<T> field, ValueReader<T> read, ValueWriter<T> write)
    : UrlOption(name, role, rule)
    where T : struct
{
    public override bool TryRead(ReadOnlySpan<char> text, ref OptionValues values)
    {
        if (!read(text, out var value))
        {
            return false;
        }

        field(ref values) = value;
        return true;
    }

    public override bool IsSet(ref OptionValues values) => field(ref values).HasValue;

    public override void Write(ref OptionValues values, ref DefaultInterpolatedStringHandler text) =>
        write(field(ref values)!.Value, ref text);

    public override void Inherit(ref OptionValues values, ref OptionValues preset) => field(ref values) ??= field(ref preset);

    public override void Clear(ref OptionValues values) => field(ref values) = null;
}

/// <summary>An option whose value is text checked against a character set and a length, kept as written.</summary>
internal sealed class TextOption(string name, OptionRole role, string rule, TextField field, TextRule isValid)
    : UrlOption(name, role, rule)
{
    public override bool TryRead(ReadOnlySpan<char> text, ref OptionValues values)
    {
        if (!isValid(text))
        {
            return false;
        }

        field(ref values) = text.ToString();
        return true;
    }

    public override bool IsSet(ref OptionValues values) => field(ref values) is not null;

    public override void Write(ref OptionValues values, ref DefaultInterpolatedStringHandler text) => text.AppendLiteral(field(ref values)!);

    public override void Inherit(ref OptionValues values, ref OptionValues preset) => field(ref values) ??= field(ref preset);

    public override void Clear(ref OptionValues values) => field(ref values) = null;
}
