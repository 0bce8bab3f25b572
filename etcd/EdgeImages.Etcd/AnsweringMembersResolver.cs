using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;

namespace EdgeImages.Etcd;

/// <summary>
/// Offers the gateway's channel only the etcd members that answer. A member that is paused (SIGSTOP), swapping or
/// wedged keeps its port open: connections succeed, so gRPC counts it as ready, and every call balanced its way waits
/// out its whole deadline. So each member gets a cheap <c>Status</c> call every <see cref="Interval"/>, with a short
/// deadline of its own, and only those that answered stay in the rotation. When none answers, all are offered: calls
/// then fail at their deadline with etcd's own error instead of waiting for an address.
/// </summary>
internal sealed class AnsweringMembersResolver : Resolver
{
    /// <summary>How often members are asked; a frozen member leaves the rotation within this plus the probe's deadline.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly IReadOnlyList<Uri> _members;
    private readonly MemberAnswers _answers;
    private readonly TimeSpan _probeTimeout;
    private readonly TimeProvider _time;
    private readonly List<GrpcChannel> _channels;
    private readonly List<Maintenance.MaintenanceClient> _probes;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public AnsweringMembersResolver(IReadOnlyList<Uri> members, MemberAnswers answers, TimeSpan probeTimeout, Func<SocketsHttpHandler> handler, TimeProvider time)
    {
        _members = members;
        _answers = answers;
        _probeTimeout = probeTimeout;
        _time = time;
        _channels = [.. members.Select(member => GrpcChannel.ForAddress(member, new GrpcChannelOptions
        {
            // The gateway's handler (its TLS identity and pinned CA, when etcd is reached over https), with a short connect.
            HttpHandler = WithConnectTimeout(handler(), probeTimeout),
            // gRPC backs off reconnecting for up to two minutes; a member back from an outage should be asked again soon.
            InitialReconnectBackoff = Interval,
            MaxReconnectBackoff = TimeSpan.FromSeconds(2),
        }))];
        _probes = [.. _channels.Select(channel => new Maintenance.MaintenanceClient(channel))];
    }

    private static SocketsHttpHandler WithConnectTimeout(SocketsHttpHandler handler, TimeSpan timeout)
    {
        handler.ConnectTimeout = timeout;
        return handler;
    }

    public override void Start(Action<ResolverResult> listener)
    {
        // Everyone is offered until the first round of probes says otherwise: the channel works from the first call.
        Publish(listener, _members);
        _loop = Task.Run(() => ProbeLoopAsync(listener, _stop.Token));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            try
            {
                _loop.GetAwaiter().GetResult();
            }
            finally
            {
                _channels.ForEach(channel => channel.Dispose());
                _stop.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private async Task ProbeLoopAsync(Action<ResolverResult> listener, CancellationToken cancellationToken)
    {
        IReadOnlyList<Uri> offered = _members;
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var answered = await Task.WhenAll(_probes.Select(probe => AnswersAsync(probe, cancellationToken))).ConfigureAwait(false);
                var answering = _members.Where((_, i) => answered[i]).ToList();
                _answers.Answering = answering;
                IReadOnlyList<Uri> next = answering.Count > 0 ? answering : _members;
                if (!next.SequenceEqual(offered))
                {
                    Publish(listener, next);
                    offered = next;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The channel is being disposed.
        }
    }

    private async Task<bool> AnswersAsync(Maintenance.MaintenanceClient probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe.StatusAsync(new StatusRequest(), deadline: _time.GetUtcNow().UtcDateTime + _probeTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static void Publish(Action<ResolverResult> listener, IReadOnlyList<Uri> members) =>
        listener(ResolverResult.ForResult([.. members.Select(uri => new BalancerAddress(uri.Host, uri.Port))]));
}

/// <summary>Makes an <see cref="AnsweringMembersResolver"/> for the gateway's channel (address scheme <c>etcd</c>).</summary>
internal sealed class AnsweringMembersResolverFactory(
    IReadOnlyList<Uri> members, MemberAnswers answers, TimeSpan probeTimeout, Func<SocketsHttpHandler> handler, TimeProvider time) : ResolverFactory
{
    public const string Scheme = "etcd";

    public override string Name => Scheme;

    public override Resolver Create(ResolverOptions options) => new AnsweringMembersResolver(members, answers, probeTimeout, handler, time);
}

/// <summary>The members that answered the last round of probes (all of them until the first round).</summary>
internal sealed class MemberAnswers(IReadOnlyList<Uri> members)
{
    private IReadOnlyList<Uri> _answering = members;

    public IReadOnlyList<Uri> Answering
    {
        get => Volatile.Read(ref _answering);
        set => Volatile.Write(ref _answering, value);
    }
}
