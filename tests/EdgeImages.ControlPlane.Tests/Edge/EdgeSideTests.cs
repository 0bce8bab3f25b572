using System.Collections.Immutable;
using EdgeImages.Edge.ControlPlane;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Tests.Edge;

public sealed class EdgeSideTests
{
    [Fact]
    public void Options_Disabled_NeedNothingElse()
    {
        Assert.True(new ControlPlaneOptionsValidator().Validate(null, new ControlPlaneOptions()).Succeeded);
    }

    [Fact]
    public void Options_Enabled_NameEveryMissingKey()
    {
        var result = new ControlPlaneOptionsValidator().Validate(null, new ControlPlaneOptions
        {
            Etcd = "http://127.0.0.1:2379,not a url",
            EdgeId = "Bad Id",
            MasterKey = "abc",
            LeaseTtl = TimeSpan.FromMilliseconds(100),
        });
        Assert.True(result.Failed);
        foreach (var key in new[] { "ControlPlane:Etcd", "ControlPlane:Region", "ControlPlane:Pop", "ControlPlane:EdgeId", "ControlPlane:PublicAddress", "ControlPlane:MasterKey", "ControlPlane:LeaseTtl" })
        {
            Assert.Contains(result.Failures!, failure => failure.Contains(key, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void SnapshotFile_RoundTrips_AndReplacesAtomically()
    {
        var folder = Directory.CreateTempSubdirectory("edgeimages-snapshot-").FullName;
        try
        {
            var path = Path.Combine(folder, "sub", "state.json");
            var snapshot = new ControlPlaneSnapshot
            {
                Revision = 42,
                Keys = ImmutableDictionary<string, SigningKeyDocument>.Empty.Add("k1", new SigningKeyDocument { Kid = "k1", State = "active", Secret = "c2VhbGVk" }),
                Tenants = ImmutableDictionary<string, TenantDocument>.Empty.Add("acme", new TenantDocument { Id = "acme", MaxAgeSeconds = 60 }),
                Drained = true,
            };
            SnapshotFile.Write(path, snapshot);
            SnapshotFile.Write(path, snapshot with { Revision = 43 });

            var read = SnapshotFile.TryRead(path)!;
            Assert.Equal(43, read.Revision);
            Assert.Equal("file", read.Source);
            Assert.True(read.Drained);
            Assert.Equal("active", read.Keys["k1"].State);
            Assert.Equal(60, read.Tenants["acme"].MaxAgeSeconds);
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SnapshotFile_MissingOrCorrupt_IsNoSnapshot()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{ half a snap");
            Assert.Null(SnapshotFile.TryRead(file));
            Assert.Null(SnapshotFile.TryRead(file + ".missing"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void SealedSecret_OpensOnlyWithTheRightKeyAndKid()
    {
        var master = Convert.FromHexString(Infrastructure.ControlPlaneServer.MasterKey);
        var box = new EdgeImages.ControlPlane.Keys.SecretBox(Microsoft.Extensions.Options.Options.Create(
            new EdgeImages.ControlPlane.Keys.SecretsOptions { MasterKey = Infrastructure.ControlPlaneServer.MasterKey }));
        var secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var sealedSecret = box.Seal("k1", secret);

        Assert.Equal(secret, SealedSecret.Open(master, "k1", sealedSecret));
        Assert.Null(SealedSecret.Open(master, "k2", sealedSecret)); // moved onto another key's document
        Assert.Null(SealedSecret.Open(new byte[32], "k1", sealedSecret)); // wrong master key
        Assert.Null(SealedSecret.Open(master, "k1", "not base64!"));
    }
}
