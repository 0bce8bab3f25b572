using System.CommandLine;

namespace EdgeImages.Cli;

/// <summary>
/// <c>edgeimages sign</c> and <c>edgeimages verify</c>, parsed by System.CommandLine. Everything the process touches
/// (output, environment, clock) comes in as a parameter, so tests run the real entry point in-process.
/// </summary>
internal static class CliApp
{
    public const int Ok = 0;
    public const int Refused = 1;
    public const int Usage = 2;

    /// <summary>Keys with their tenants, <c>kid:tenants:hex</c> separated by <c>;</c>: see <see cref="KeySource"/>.</summary>
    public const string KeysVariable = "EDGEIMAGES_KEYS";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);

        var keysFile = new Option<FileInfo>("--keys-file")
        {
            Description = $"Settings file with Signing:Keys and Signing:KeyTenants, as an edge reads them (its appsettings file works). Keys may also come from {KeysVariable}=\"kid:tenants:hex;...\". Never from the command line.",
            Recursive = true,
        };
        var root = new RootCommand("edgeimages: sign EdgeImages URLs and explain refusals (URL format version 1.1). Exit codes: 0 ok, 1 refused, 2 usage error.")
        {
            keysFile,
            SignCommand.Create(keysFile, stdout, environment),
            VerifyCommand.Create(keysFile, stdout, environment, time),
        };

        var parsed = root.Parse(args);
        try
        {
            if (parsed.Errors.Count > 0)
            {
                throw new UsageException(string.Join(Environment.NewLine + "edgeimages: ", parsed.Errors.Select(e => e.Message)));
            }

            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"edgeimages: {e.Message}");
            stderr.WriteLine("Run 'edgeimages --help' for usage.");
            return Usage;
        }
    }
}

/// <summary>A mistake in how the command was called; printed with a pointer to --help, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
