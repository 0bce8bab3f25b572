using System.Net;
using System.Text;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Sdk.Signing;
using EdgeImages.Testing;

namespace EdgeImages.Edge.Tests.Hosting;

/// <summary>
/// The harness that starts real service processes (<see cref="ProcessHandle.StartService"/>, for the edge, the origin and
/// the load tests' edges) hands them their settings in the environment: a signing key on a command line is readable by
/// anyone on the machine.
/// </summary>
public sealed class ServiceProcessTests
{
    [Fact]
    public async Task EdgeProcess_SigningKey_ReachesTheEdgeButNotItsCommandLine()
    {
        var originals = Directory.CreateTempSubdirectory("edge-process-originals-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(originals, EdgeServer.Tenant));
            await File.WriteAllBytesAsync(Path.Combine(originals, EdgeServer.Tenant, "a.png"), TestImages.Read("tiny-2x3.png"));
            var secretHex = Convert.ToHexString(EdgeServer.PlatformSecret);
            await using var edge = await EdgeProcess.StartAsync(new Dictionary<string, string>
            {
                [$"Signing:Keys:{EdgeServer.PlatformKeyId}"] = secretHex,
                [$"Signing:KeyTenants:{EdgeServer.PlatformKeyId}"] = EdgeServer.Tenant,
                ["Signing:ActiveKey"] = EdgeServer.PlatformKeyId,
                ["Originals:Path"] = originals,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            using var client = new HttpClient { BaseAddress = edge.Address, Timeout = TimeSpan.FromSeconds(30) };
            var key = new SigningKey(EdgeServer.PlatformKeyId, EdgeServer.PlatformSecret, KeyTenants.Of(EdgeServer.Tenant), SigningKeyState.Active);
            var message = $"/w:2/{EdgeServer.Tenant}/a.png";

            using var response = await client.GetAsync($"/{UrlSigner.Sign(key, message)}{message}");
            var commandLine = Encoding.UTF8.GetString(await File.ReadAllBytesAsync($"/proc/{edge.ProcessId}/cmdline"));

            // Verified with the key the settings carried, so they arrived.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain(secretHex, commandLine, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Signing", commandLine, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(originals, recursive: true);
        }
    }
}
