namespace EdgeImages.Cli;

/// <summary>
/// <c>--name value</c> and <c>--name=value</c> flags plus positionals: all this tool needs, so no parser package.
/// Every flag takes a value; a flag given twice is kept twice (verify's --key), and refused where one is expected.
/// </summary>
internal sealed class Arguments
{
    private readonly List<(string Name, string Value)> _flags = [];

    public List<string> Positionals { get; } = [];

    public static Arguments Parse(ReadOnlySpan<string> args)
    {
        var result = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                result.Positionals.AddRange(args[(i + 1)..]);
                break;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                result.Positionals.Add(arg);
                continue;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 2)
            {
                result._flags.Add((arg[2..eq], arg[(eq + 1)..]));
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"{arg} needs a value");
            }

            result._flags.Add((arg[2..], args[++i]));
        }

        return result;
    }

    public string? Single(string name)
    {
        string? found = null;
        foreach (var (flag, value) in _flags)
        {
            if (flag == name)
            {
                found = found is null ? value : throw new UsageException($"--{name} is given twice");
            }
        }

        return found;
    }

    public IEnumerable<string> All(string name) => _flags.Where(f => f.Name == name).Select(f => f.Value);

    public void RejectUnknown(IReadOnlyCollection<string> known)
    {
        foreach (var (flag, _) in _flags)
        {
            if (!known.Contains(flag))
            {
                throw new UsageException($"unknown flag --{flag}");
            }
        }
    }

    public void RejectPositionals()
    {
        if (Positionals.Count > 0)
        {
            throw new UsageException($"unexpected argument '{Positionals[0]}'");
        }
    }
}
