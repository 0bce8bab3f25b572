using EdgeImages.Etcd;
using Microsoft.Extensions.Options;

namespace EdgeImages.ControlPlane.Etcd;

/// <summary>The control plane's door to etcd: the shared gateway, set up from <see cref="EtcdOptions"/>, with this deployment's key layout.</summary>
internal sealed class EtcdStore : EtcdGateway
{
    private readonly Lazy<EtcdKeys> _keys;

    public EtcdStore(IOptions<EtcdOptions> options, TimeProvider time)
        : base(() => new EtcdConnectionSettings(options.Value.EndpointUris(), options.Value.RequestTimeout, options.Value.Tls()), time)
    {
        _keys = new Lazy<EtcdKeys>(() => new EtcdKeys(options.Value.Prefix));
    }

    public EtcdKeys Keys => _keys.Value;
}
