using System.Text.Json.Nodes;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;

namespace EdgeImages.Sdk.Tests.Vectors;

/// <summary>sdk/test-vectors.json, copied next to the test assembly; the JavaScript tests read the same file.</summary>
internal static class SharedVectors
{
    private static readonly Lazy<JsonObject> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "test-vectors.json")))!.AsObject());

    public static JsonArray Section(string name) => Root.Value[name]!.AsArray();

    public static DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds((long)Root.Value["now"]!);

    /// <summary>The key as the vectors declare it, state included.</summary>
    public static SigningKey Key(string id)
    {
        var key = Root.Value["keys"]![id]!;
        var state = (string)key["state"]! switch
        {
            "active" => SigningKeyState.Active,
            "verify-only" => SigningKeyState.VerifyOnly,
            _ => SigningKeyState.Retired,
        };
        // The vectors write URLs of several tenants and say nothing of bindings: every tenant.
        return new SigningKey(id, HexSecret.Parse((string)key["secretHex"]!), KeyTenants.AllTenants, state);
    }

    /// <summary>The key made active, for building: vectors sign with keys that are verify-only or retired at the edge too.</summary>
    public static SigningKey SigningKey(string id) => Key(id) with { State = SigningKeyState.Active };

    public static SigningKeyRing Ring => new(Root.Value["keys"]!.AsObject().Select(pair => Key(pair.Key)));

    public static ImageUrlBuilder Builder(JsonNode vector) => new(SigningKey((string)vector["key"]!));

    public static Uri? BaseUri(JsonNode vector) => vector["baseUrl"] is { } baseUrl ? new Uri((string)baseUrl!) : null;

    /// <summary>Indexes of a section, for theories: one test case per vector, named by its position.</summary>
    public static TheoryData<int> Indexes(string name)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Section(name).Count; i++)
        {
            data.Add(i);
        }

        return data;
    }
}
