using System.Runtime.CompilerServices;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.ControlPlane;

/// <summary>
/// The edge's door to etcd: dotnet-etcd's generated gRPC clients over a channel balanced across every member, each
/// call with a deadline, and a watch that resumes from a revision the caller holds. (The control plane has the same
/// door in control-plane/Etcd/EtcdStore.cs; the two services share no assembly, only the key layout.)
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };
    private readonly GrpcChannel _channel;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly KV.KVClient _kv;
    private readonly Lease.LeaseClient _leases;
    private readonly Watch.WatchClient _watches;

    public EtcdConnection(IOptions<ControlPlaneOptions> options, TimeProvider time)
    {
        _time = time;
        _timeout = options.Value.RequestTimeout;
        var endpoints = options.Value.EndpointUris();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => endpoints.Select(uri => new BalancerAddress(uri.Host, uri.Port))));
        _channel = GrpcChannel.ForAddress("static:///etcd", new GrpcChannelOptions
        {
            Credentials = endpoints.Count > 0 && endpoints[0].Scheme == Uri.UriSchemeHttps ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
            ServiceProvider = services.BuildServiceProvider(),
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
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(1),
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
                EnableMultipleHttp2Connections = true,
            },
        });
        _kv = new KV.KVClient(_channel);
        _leases = new Lease.LeaseClient(_channel);
        _watches = new Watch.WatchClient(_channel);
    }

    public static ByteString Bytes(string key) => ByteString.CopyFromUtf8(key);

    public static ByteString RangeEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    /// <summary>Every key below each prefix, all at one revision (one transaction).</summary>
    public async Task<TxnResponse> ReadAllAsync(IEnumerable<string> prefixes, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        foreach (var prefix in prefixes)
        {
            txn.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix) } });
        }

        return await Call(() => _kv.TxnAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public Task<PutResponse> PutAsync(string key, ByteString value, long lease, CancellationToken cancellationToken) =>
        Call(() => _kv.PutAsync(new PutRequest { Key = Bytes(key), Value = value, Lease = lease }, deadline: Deadline(), cancellationToken: cancellationToken));

    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken) =>
        (await Call(() => _leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)Math.Ceiling(ttl.TotalSeconds) }, deadline: Deadline(), cancellationToken: cancellationToken)).ConfigureAwait(false)).ID;

    public Task RevokeLeaseAsync(long lease, CancellationToken cancellationToken) =>
        Call(() => _leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: Deadline(), cancellationToken: cancellationToken));

    /// <summary>One keepalive on a short stream of its own; false when the lease has expired.</summary>
    public Task<bool> KeepAliveOnceAsync(long lease, CancellationToken cancellationToken) => Call(async () =>
    {
        using var call = _leases.LeaseKeepAlive(deadline: Deadline(), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            throw new EtcdUnavailableException("The keepalive stream closed without an answer.");
        }

        var alive = call.ResponseStream.Current.TTL > 0;
        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return alive;
    });

    /// <summary>
    /// Watches every prefix from <paramref name="startRevision"/> on one stream. Breaks with
    /// <see cref="EtcdUnavailableException"/> when the stream fails or stays silent longer than <paramref name="idle"/>
    /// (progress requests keep a healthy quiet stream talking), and with <see cref="EtcdCompactedException"/>.
    /// </summary>
    public async IAsyncEnumerable<WatchResponse> WatchAsync(
        IReadOnlyList<string> prefixes, long startRevision, TimeSpan idle, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = _watches.Watch(RequireLeader, cancellationToken: stop.Token);
        using var writeLock = new SemaphoreSlim(1, 1);
        await Call(async () =>
        {
            foreach (var prefix in prefixes)
            {
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest { Key = Bytes(prefix), RangeEnd = RangeEnd(prefix), StartRevision = startRevision },
                }, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }).ConfigureAwait(false);

        var lastHeard = _time.GetTimestamp();
        var pinger = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(idle / 3, _time);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    if (_time.GetElapsedTime(Volatile.Read(ref lastHeard)) > idle)
                    {
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
                // The stream is over; the reader reports why.
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
                    throw new EtcdUnavailableException($"The watch broke ({exception.StatusCode}).");
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new EtcdUnavailableException("The watch went quiet.");
                }

                Volatile.Write(ref lastHeard, _time.GetTimestamp());
                if (response.CompactRevision > 0)
                {
                    throw new EtcdCompactedException();
                }

                if (response.Canceled)
                {
                    throw new EtcdUnavailableException("etcd cancelled the watch: " + response.CancelReason);
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

    public void Dispose() => _channel.Dispose();

    private DateTime Deadline() => _time.GetUtcNow().UtcDateTime + _timeout;

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
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
            throw new EtcdUnavailableException($"etcd did not answer ({exception.StatusCode}).");
        }
    }

    private static Task<T> Call<T>(Func<AsyncUnaryCall<T>> call) => Call(async () => await call().ConfigureAwait(false));
}

internal sealed class EtcdUnavailableException(string message) : Exception(message);

internal sealed class EtcdCompactedException() : Exception("The watched revision was compacted.");
