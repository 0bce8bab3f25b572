using System.Collections.Frozen;
using EdgeImages.Edge.Security;
using EdgeImages.Edge.Tenants;
using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// The edge's current control-plane state and what is derived from it: the signing key ring (configured keys merged
/// with the control plane's, the control plane winning on the same kid) and the tenant table. Both are rebuilt off the
/// request path and swapped in one reference write; requests never lock and never see half a change.
/// At construction it loads the snapshot file, so an edge started while etcd is down serves its last known good state.
/// </summary>
internal sealed partial class ControlPlaneState : ISigningKeyProvider, ITenantSettingsProvider
{
    private readonly SigningOptions _signing;
    private readonly ConfiguredTenantSettings _configuredTenants;
    private readonly byte[]? _masterKey;
    private readonly ILogger<ControlPlaneState> _logger;
    private Derived _derived;

    public ControlPlaneState(
        IOptions<SigningOptions> signing, IOptions<ControlPlaneOptions> options, ConfiguredTenantSettings configuredTenants, ILogger<ControlPlaneState> logger)
    {
        _signing = signing.Value;
        _configuredTenants = configuredTenants;
        _logger = logger;
        var value = options.Value;
        _masterKey = value.IsEnabled && value.MasterKey is { Length: 64 } hex ? Convert.FromHexString(hex) : null;
        var snapshot = value.IsEnabled ? SnapshotFile.TryRead(value.StateFile) ?? ControlPlaneSnapshot.Empty : ControlPlaneSnapshot.Empty;
        _derived = Derive(snapshot);
    }

    public ControlPlaneSnapshot Snapshot => Volatile.Read(ref _derived).Snapshot;

    public SigningKeyRing Ring => Volatile.Read(ref _derived).Ring;

    /// <summary>Raised after every swap (tests measure propagation with it).</summary>
    public event Action<ControlPlaneSnapshot>? Swapped;

    public void Swap(ControlPlaneSnapshot snapshot)
    {
        Volatile.Write(ref _derived, Derive(snapshot));
        Swapped?.Invoke(snapshot);
    }

    public bool TryGetKey(ReadOnlySpan<char> kid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SigningKey? key) =>
        Volatile.Read(ref _derived).Ring.TryGetKey(kid, out key);

    /// <summary>Whether a key document's sealed secret opens with this edge's master key (an edge refuses one that does not).</summary>
    public bool CanOpen(SigningKeyDocument document) =>
        _masterKey is not null && SealedSecret.Open(_masterKey, document.Kid, document.Secret) is { Length: >= SigningKey.MinSecretBytes };

    public TenantSettings Get(string tenant) =>
        Volatile.Read(ref _derived).Tenants.TryGetValue(tenant, out var settings) ? settings : _configuredTenants.Get(tenant);

    private Derived Derive(ControlPlaneSnapshot snapshot)
    {
        var keys = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
        foreach (var key in SigningKeyRingFactory.Create(_signing).Keys)
        {
            keys[key.Id] = key;
        }

        foreach (var document in snapshot.Keys.Values)
        {
            var state = StateOf(document);
            var secret = _masterKey is null ? null : SealedSecret.Open(_masterKey, document.Kid, document.Secret);
            if (state is null || secret is null || secret.Length < SigningKey.MinSecretBytes || !SigningKey.IsValidId(document.Kid))
            {
                // A key that cannot be opened (wrong master key, tampered document) is left out, loudly: it would
                // verify nothing, and guessing its state would be worse.
                Log.KeyUnusable(_logger, document.Kid);
                continue;
            }

            if (!KeyTenants.TryCreate(document.Tenants, out var binding, out _))
            {
                // Fail closed: a key stored before keys were bound to tenants would otherwise read every tenant. It
                // verifies nothing until it is bound at the control plane (PUT /v1/keys/{kid}/tenants).
                Log.KeyUnbound(_logger, document.Kid);
                keys.Remove(document.Kid);
                continue;
            }

            keys[document.Kid] = new SigningKey(document.Kid, secret, binding, state.Value);
        }

        var tenants = snapshot.Tenants.Values.ToFrozenDictionary(t => t.Id, ToSettings, StringComparer.Ordinal);
        return new Derived(snapshot, new SigningKeyRing(keys.Values), tenants);
    }

    private static SigningKeyState? StateOf(SigningKeyDocument key) => key.State switch
    {
        SigningKeyDocument.Active => SigningKeyState.Active,
        SigningKeyDocument.VerifyOnly => SigningKeyState.VerifyOnly,
        SigningKeyDocument.Retired => SigningKeyState.Retired,
        _ => null,
    };

    private static TenantSettings ToSettings(TenantDocument tenant) => new()
    {
        MaxAge = tenant.MaxAgeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        StaleWhileRevalidate = tenant.StaleWhileRevalidateSeconds is { } revalidate ? TimeSpan.FromSeconds(revalidate) : null,
        StaleIfError = tenant.StaleIfErrorSeconds is { } ifError ? TimeSpan.FromSeconds(ifError) : null,
        Origin = tenant.Origin,
        RequestsPerSecond = tenant.RequestsPerSecond,
        Burst = tenant.Burst,
        AllowedOptions = tenant.AllowedOptions?.ToHashSet(StringComparer.Ordinal),
        Presets = (tenant.Presets ?? new Dictionary<string, string>()).ToDictionary(StringComparer.Ordinal),
        Watermarks = (tenant.Watermarks ?? new Dictionary<string, WatermarkDocument>())
            .ToDictionary(w => w.Key, w => TenantWatermark.From(w.Key, w.Value), StringComparer.Ordinal),
        DefaultWatermark = tenant.DefaultWatermark,
        WatermarkRequired = tenant.WatermarkRequired,
        RefusePassThrough = tenant.RefusePassThrough,
    };

    private sealed record Derived(ControlPlaneSnapshot Snapshot, SigningKeyRing Ring, FrozenDictionary<string, TenantSettings> Tenants);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Signing key {Kid} from the control plane cannot be opened (check ControlPlane:MasterKey); it is ignored.")]
        public static partial void KeyUnusable(ILogger logger, string kid);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Signing key {Kid} from the control plane is bound to no tenant; it is refused until it is bound at the control plane (PUT /v1/keys/<kid>/tenants).")]
        public static partial void KeyUnbound(ILogger logger, string kid);
    }
}
