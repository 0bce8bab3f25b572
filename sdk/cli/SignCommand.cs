using System.CommandLine;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Cli;

/// <summary><c>edgeimages sign</c>: prints a signed URL, refusing a tenant its key is not bound to.</summary>
internal static class SignCommand
{
    // Every URL option also works as a flag of its own (--w 400); they are joined into one options segment.
    private static readonly string[] OptionNames = [.. OptionsParser.Names];

    public static Command Create(Option<FileInfo> keysFile, TextWriter stdout, Func<string, string?> environment)
    {
        var key = new Option<string>("--key") { Description = "The kid that signs; its secret and tenants come from --keys-file or the environment.", Required = true };
        var tenant = new Option<string>("--tenant") { Description = "The tenant; the key must be bound to it.", Required = true };
        var path = new Option<string>("--path") { Description = "The path, decoded (a b/café.png); it is percent-encoded for you.", Required = true };
        var segment = new Option<string>("--options") { Description = "An options segment, e.g. w:400,h:300,fit:cover. Without it or option flags the URL serves the original (-)." };
        var baseUrl = new Option<Uri>("--base")
        {
            Description = "The edge's address, e.g. https://img.example.com; without it the path is printed.",
            CustomParser = result =>
            {
                if (Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var uri))
                {
                    return uri;
                }

                result.AddError("--base must be an absolute URL, e.g. https://img.example.com");
                return null;
            },
        };
        var flags = OptionNames.Select(name => new Option<string>($"--{name}") { Description = $"The URL option '{name}'." }).ToList();

        var command = new Command("sign", "Prints the signed URL of one image.") { key, tenant, path, segment, baseUrl };
        foreach (var flag in flags)
        {
            command.Options.Add(flag);
        }

        command.SetAction(result =>
        {
            var kid = result.GetValue(key)!;
            var keys = KeySource.Load(result.GetValue(keysFile), environment, SigningKeyState.Active);
            var signingKey = keys.GetValueOrDefault(kid)
                ?? throw new UsageException($"no key '{kid}': put it in --keys-file (Signing:Keys and Signing:KeyTenants) or set {CliApp.KeysVariable}=\"{kid}:<tenants>:<hex>\"");

            var items = new List<string>();
            if (result.GetValue(segment) is { } text)
            {
                items.Add(text);
            }

            items.AddRange(flags.Select(flag => (flag, value: result.GetValue(flag)))
                .Where(f => f.value is not null)
                .Select(f => $"{f.flag.Name[2..]}:{f.value}"));
            try
            {
                var options = items.Count == 0 ? TransformOptions.PassThrough : TransformOptions.Parse(string.Join(',', items));
                var builder = new ImageUrlBuilder(signingKey);
                var url = result.GetValue(baseUrl) is { } address
                    ? builder.Build(address, options, result.GetValue(tenant)!, result.GetValue(path)!)
                    : builder.Build(options, result.GetValue(tenant)!, result.GetValue(path)!);
                stdout.WriteLine(url);
                return CliApp.Ok;
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new UsageException(e is ArgumentException { ParamName: { } name } a
                    ? $"{name}: {a.Message[..a.Message.LastIndexOf(" (Parameter", StringComparison.Ordinal)]}"
                    : e.Message);
            }
        });
        return command;
    }
}
