using EdgeImages.Etcd.Documents;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Keys;

/// <summary>Seals signing secrets under the master key from <c>Secrets:MasterKey</c> (the format is <see cref="SealedSecret"/>).</summary>
internal sealed class SecretBox(IOptions<SecretsOptions> options)
{
    private readonly byte[] _key = Convert.FromHexString(options.Value.MasterKey!);

    public string Seal(string kid, ReadOnlySpan<byte> secret) => SealedSecret.Seal(_key, kid, secret);
}
