using System.Runtime.CompilerServices;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using EdgeImages.Etcd.Security;
using Microsoft.Extensions.DependencyInjection;
using Mvccpb;

namespace EdgeImages.Etcd;

/// <summary>Where etcd is, how long a call may take, and how the connection is secured.</summary>
/// <param name="Endpoints">Every member's client URL: calls are balanced over those that answer.</param>
/// <param name="RequestTimeout">The deadline of each unary call.</param>
/// <param name="Tls">
/// The pinned CA and the client certificate, for <c>https</c> endpoints (the deployed topology); null for plain
/// <c>http</c> on loopback (the tests of everything but transport security).
/// </param>
public sealed record EtcdConnectionSettings(IReadOnlyList<Uri> Endpoints, TimeSpan RequestTimeout, EtcdTlsSettings? Tls = null);

/// <summary>
/// The one door to etcd, for the control plane and the edges alike. It uses dotnet-etcd's generated gRPC clients over
/// a channel of its own rather than the package's high-level <c>EtcdClient</c>: every unary call then carries our
/// deadline (a write without quorum fails in <see cref="EtcdConnectionSettings.RequestTimeout"/> instead of hanging),
/// and watches resume from a revision the caller holds, so a compaction or a reconnect is handled visibly, not papered
/// over. The channel balances calls round-robin over the listed members that answer (<see cref="AnsweringMembersResolver"/>):
/// a member that refuses connections, or accepts them and never answers, is out of the rotation within a second or two.
/// </summary>
public class EtcdGateway : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Lazy<Connection> _connection;

    /// <param name="settings">
    /// Read on first use, not here: a gateway is built with the hosted services, and reading a bad section then would
    /// stop start-up with that one error instead of the options validator's full list.
    /// </param>
    /// <param name="time">The clock for deadlines and for noticing a silent watch.</param>
    public EtcdGateway(Func<EtcdConnectionSettings> settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _time = time;
        _connection = new Lazy<Connection>(() => new Connection(settings(), time));
    }

    /// <summary>Makes etcd fail watches on a member that has lost its leader, instead of leaving them silently stale.</summary>
    private static Metadata RequireLeader { get; } = new() { { "hasleader", "true" } };

    private KV.KVClient Kv => _connection.Value.Kv;

    public TimeSpan RequestTimeout => _connection.Value.Settings.RequestTimeout;

    /// <summary>Every listed member.</summary>
    public IReadOnlyList<Uri> Members => _connection.Value.Settings.Endpoints;

    /// <summary>The members that answered their last status probe; calls are balanced over these alone.</summary>
    public IReadOnlyList<Uri> AnsweringMembers => _connection.Value.Answers.Answering;

    private Lease.LeaseClient Leases => _connection.Value.Leases;

    private Watch.WatchClient Watches => _connection.Value.Watches;

    /// <summary>etcd's users and roles, for <see cref="Security.EtcdAccessControl"/> (bootstrap, with the root identity).</summary>
    internal Auth.AuthClient Auth => _connection.Value.Auth;

    internal DateTime NextDeadline() => Deadline();

    public static ByteString Bytes(string key) => ByteString.CopyFromUtf8(key);

    /// <summary>The end of the range holding every key that starts with <paramref name="prefix"/>.</summary>
    public static ByteString RangeEnd(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    private DateTime Deadline() => _time.GetUtcNow().UtcDateTime + RequestTimeout;

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await Call(() => Kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, deadline: Deadline(), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : response.Kvs[0];
    }

    public async Task<RangeResponse> RangeAsync(string prefix, CancellationToken cancellationToken, long limit = 0, bool descending = false)
    {
        var request = new RangeRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix), Limit = limit };
        if (descending)
        {
            request.SortOrder = RangeRequest.Types.SortOrder.Descend;
            request.SortTarget = RangeRequest.Types.SortTarget.Key;
        }

        return await Call(() => Kv.RangeAsync(request, deadline: Deadline(), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Every key below each prefix, all at one revision (one transaction), in the order of the prefixes.</summary>
    public Task<TxnResponse> ReadAllAsync(IEnumerable<string> prefixes, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        foreach (var prefix in prefixes)
        {
            txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix) } });
        }

        return TxnAsync(txn, cancellationToken);
    }

    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken) =>
        Call(() => Kv.TxnAsync(request, deadline: Deadline(), cancellationToken: cancellationToken));

    public Task<PutResponse> PutAsync(string key, ByteString value, long lease, CancellationToken cancellationToken) =>
        Call(() => Kv.PutAsync(new PutRequest { Key = Bytes(key), Value = value, Lease = lease }, deadline: Deadline(), cancellationToken: cancellationToken));

    public Task<DeleteRangeResponse> DeleteAsync(string key, CancellationToken cancellationToken) =>
        Call(() => Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, deadline: Deadline(), cancellationToken: cancellationToken));

    /// <summary>Deletes every key in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public Task<DeleteRangeResponse> DeleteRangeAsync(string from, string to, CancellationToken cancellationToken) =>
        Call(() => Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(from), RangeEnd = Bytes(to) }, deadline: Deadline(), cancellationToken: cancellationToken));

    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken)
    {
        var response = await Call(() => Leases.LeaseGrantAsync(
            new LeaseGrantRequest { TTL = (long)Math.Ceiling(ttl.TotalSeconds) }, deadline: Deadline(), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.ID;
    }

    public Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken) =>
        Call(() => Leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: Deadline(), cancellationToken: cancellationToken));

    /// <summary>
    /// One keepalive on a short stream of its own. A long-lived keepalive stream to a member that froze would look
    /// alive while the lease ran out; a fresh stream per beat, bounded by the deadline, cannot.
    /// </summary>
    /// <returns>False when the lease has expired (etcd answers TTL 0): whatever it held is gone.</returns>
    public Task<bool> KeepAliveOnceAsync(long lease, CancellationToken cancellationToken) => Call(async () =>
    {
        using var call = Leases.LeaseKeepAlive(deadline: Deadline(), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw new EtcdUnavailableException("The lease keepalive stream closed without an answer.");
        }

        var alive = call.ResponseStream.Current.TTL > 0;
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return alive;
    });

    /// <summary>
    /// Watches every key below each of <paramref name="prefixes"/> from <paramref name="startRevision"/>, on one
    /// stream, yielding events in order. Ends with <see cref="EtcdUnavailableException"/> when the stream breaks or
    /// goes quiet for longer than <paramref name="idle"/> (progress requests are sent, so a quiet healthy stream still
    /// answers), and with <see cref="EtcdCompactedException"/> when the start revision has been compacted away.
    /// </summary>
    public async IAsyncEnumerable<WatchResponse> WatchAsync(
        IReadOnlyList<string> prefixes, long startRevision, TimeSpan idle, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = Watches.Watch(RequireLeader, cancellationToken: stop.Token);
        using var writeLock = new SemaphoreSlim(1, 1);
        await Call(async () =>
        {
            foreach (var prefix in prefixes)
            {
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix), StartRevision = startRevision, ProgressNotify = true },
                }, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }).ConfigureAwait(false);

        var lastHeard = _time.GetTimestamp();
        var pinger = Task.Run(async () =>
        {
            using var progress = new PeriodicTimer(idle / 3, _time);
            try
            {
                while (await progress.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    if (_time.GetElapsedTime(Volatile.Read(ref lastHeard)) > idle)
                    {
                        // Nothing, not even an answer to a progress request: the member is frozen or cut off.
                        await stop.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    await writeLock.WaitAsync(stop.Token).ConfigureAwait(false);
                    try
                    {
                        await call.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() }, stop.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        writeLock.Release();
                    }
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or RpcException or InvalidOperationException)
            {
                // The stream is over; the reader below reports why.
            }
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                WatchResponse response;
                try
                {
                    if (!await call.ResponseStream.MoveNext(stop.Token).ConfigureAwait(false))
                    {
                        throw new EtcdUnavailableException("The watch stream ended.");
                    }

                    response = call.ResponseStream.Current;
                }
                catch (RpcException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new EtcdUnavailableException($"The watch broke ({exception.StatusCode}).", exception);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new EtcdUnavailableException("The watch went quiet; reconnecting to another member.");
                }

                Volatile.Write(ref lastHeard, _time.GetTimestamp());
                if (response.CompactRevision > 0)
                {
                    throw new EtcdCompactedException(response.CompactRevision);
                }

                if (response.Canceled)
                {
                    throw new EtcdUnavailableException($"etcd cancelled the watch: {response.CancelReason}");
                }

                yield return response;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pinger.ConfigureAwait(false);
        }
    }

    /// <summary>Turns the ways etcd fails to answer (no quorum, member gone, deadline) into one exception.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.Cancelled)
        {
            // Our own cancellation (shutdown, a bounded wait) surfaces as Cancelled: report it as what it is.
            throw new OperationCanceledException(exception.Message, exception);
        }
        catch (RpcException exception) when (exception.StatusCode is not (StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated))
        {
            throw new EtcdUnavailableException($"etcd did not answer ({exception.StatusCode}).", exception);
        }
    }

    private static Task<T> Call<T>(Func<AsyncUnaryCall<T>> call) => Call(async () => await call().ConfigureAwait(false));

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }

    private static GrpcChannel CreateChannel(EtcdConnectionSettings settings, MemberAnswers answers, Func<SocketsHttpHandler> handler, TimeProvider time)
    {
        var endpoints = settings.Endpoints;
        var services = new ServiceCollection();
        // A member is asked for its status with at most a second's deadline (less when calls get less): long enough for
        // a busy member, short enough that a frozen one leaves the rotation before many calls have waited on it.
        var probeTimeout = settings.RequestTimeout < TimeSpan.FromSeconds(1) ? settings.RequestTimeout : TimeSpan.FromSeconds(1);
        services.AddSingleton<ResolverFactory>(new AnsweringMembersResolverFactory(endpoints, answers, probeTimeout, handler, time));
        var secure = endpoints.Count > 0 && endpoints[0].Scheme == Uri.UriSchemeHttps;
        var channelHandler = handler();
        // A dead member must be noticed quickly, and a fresh connection tried, not after minutes of TCP retries.
        channelHandler.ConnectTimeout = TimeSpan.FromSeconds(1);
        channelHandler.KeepAlivePingDelay = TimeSpan.FromSeconds(5);
        channelHandler.KeepAlivePingTimeout = TimeSpan.FromSeconds(3);
        channelHandler.EnableMultipleHttp2Connections = true;
        return GrpcChannel.ForAddress($"{AnsweringMembersResolverFactory.Scheme}:///members", new GrpcChannelOptions
        {
            Credentials = secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            ServiceProvider = services.BuildServiceProvider(),
            // gRPC backs off reconnecting for up to two minutes: an edge whose only reachable member came back (or whose
            // link to etcd healed) would stay cut off that long, replaying nothing. Members are few; ask again soon.
            InitialReconnectBackoff = AnsweringMembersResolver.Interval,
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
            ServiceConfig = new ServiceConfig
            {
                LoadBalancingConfigs = { new RoundRobinConfig() },
                // A member that just died stays in the rotation until its connection is seen to fail; a call sent
                // its way fails Unavailable before reaching etcd, so it is safe to send again to the next member.
                MethodConfigs =
                {
                    new MethodConfig
                    {
                        Names = { MethodName.Default },
                        RetryPolicy = new RetryPolicy
                        {
                            MaxAttempts = 3,
                            InitialBackoff = TimeSpan.FromMilliseconds(20),
                            MaxBackoff = TimeSpan.FromMilliseconds(200),
                            BackoffMultiplier = 2,
                            RetryableStatusCodes = { StatusCode.Unavailable },
                        },
                    },
                },
            },
            HttpHandler = channelHandler,
        });
    }

    private sealed class Connection : IDisposable
    {
        private readonly PinnedCertificateAuthority? _authority;
        private readonly ReloadingCertificate? _certificate;

        public Connection(EtcdConnectionSettings settings, TimeProvider time)
        {
            Settings = settings;
            Answers = new MemberAnswers(settings.Endpoints);
            if (settings.Tls is { } tls)
            {
                _authority = PinnedCertificateAuthority.FromPemFile(tls.CaFile);
                _certificate = new ReloadingCertificate(tls.CertificateFile, tls.KeyFile);
            }

            Channel = CreateChannel(settings, Answers, NewHandler, time);
            Kv = new KV.KVClient(Channel);
            Leases = new Lease.LeaseClient(Channel);
            Watches = new Watch.WatchClient(Channel);
            Auth = new Auth.AuthClient(Channel);
        }

        public EtcdConnectionSettings Settings { get; }

        public MemberAnswers Answers { get; }

        public GrpcChannel Channel { get; }

        public KV.KVClient Kv { get; }

        public Lease.LeaseClient Leases { get; }

        public Watch.WatchClient Watches { get; }

        public Auth.AuthClient Auth { get; }

        /// <summary>A handler for one channel: with TLS settings, the pinned CA and the client certificate on every connection.</summary>
        private SocketsHttpHandler NewHandler() => Settings.Tls is not null
            ? new SocketsHttpHandler { SslOptions = EtcdTlsSettings.ClientOptions(_authority!, _certificate!) }
            : new SocketsHttpHandler();

        public void Dispose()
        {
            Channel.Dispose();
            _certificate?.Dispose();
            _authority?.Dispose();
        }
    }
}
