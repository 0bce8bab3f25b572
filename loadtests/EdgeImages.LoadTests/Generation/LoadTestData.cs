using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.LoadTests.Generation;

/// <summary>What the generator writes (<c>{data}/requests.json</c>) and the scenarios and the runner read.</summary>
internal sealed record LoadTestData
{
    public const string FileName = "requests.json";

    public required int Seed { get; init; }

    public required double ZipfExponent { get; init; }

    /// <summary>The signing key id the URLs are signed with; the secret is derived from the seed (a test key, never deployed).</summary>
    public required string KeyId { get; init; }

    public required string KeyHex { get; init; }

    public required IReadOnlyList<string> Tenants { get; init; }

    public required IReadOnlyList<CatalogEntry> Originals { get; init; }

    /// <summary>The request mix, in order: Zipf-popular originals, realistic widths, DPRs, fits and formats.</summary>
    public required IReadOnlyList<MixRequest> Requests { get; init; }

    /// <summary>Distinct variants never in <see cref="Requests"/>: every one a miss, for transform throughput.</summary>
    public required IReadOnlyList<MixRequest> Misses { get; init; }

    /// <summary>The most requested variant of the mix: the L1-hit probe.</summary>
    public required MixRequest Hot { get; init; }

    public static SigningKey KeyFor(int seed, out string hex)
    {
        var secret = SHA256.HashData(Encoding.UTF8.GetBytes($"edgeimages-loadtests-{seed}"));
        hex = Convert.ToHexString(secret).ToLowerInvariant();
        return new SigningKey("lt", secret, KeyTenants.AllTenants, SigningKeyState.Active);
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static LoadTestData Read(string folder) =>
        JsonSerializer.Deserialize<LoadTestData>(File.ReadAllBytes(Path.Combine(folder, FileName)), Json)
        ?? throw new InvalidDataException($"{Path.Combine(folder, FileName)} is empty.");

    public void Write(string folder) =>
        File.WriteAllBytes(Path.Combine(folder, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));
}

/// <summary>One original in the catalog: where it is, what it was made from, and its popularity rank.</summary>
internal sealed record CatalogEntry(string Tenant, string Path, string Source, int Width, int Height, long Bytes, int Rank);

/// <summary>One request of the mix: a signed path, and the <c>Accept</c> the client sends.</summary>
internal sealed record MixRequest(string Path, string Accept);
