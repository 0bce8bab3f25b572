using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace EdgeImages.Telemetry;

/// <summary>
/// A request's server span when the service makes its own (<see cref="TelemetrySetup.DeferServerSpans"/>): started as
/// the request arrives when the head decision keeps it, else only once the request turns out to be worth a trace
/// (<see cref="Keep(HttpContext)"/>: a miss, an error), backdated to when the request arrived and with the caller's
/// trace as parent. A request that is never kept has no span at all: no <see cref="Activity"/>, no tags, no
/// <c>Activity.Current</c>. Carried as a request feature, so that the middleware that ends it finds a span started
/// further in.
/// </summary>
public sealed class RequestTrace
{
    private readonly ActivityContext _parent;
    private readonly long _arrived;
    private readonly TimeProvider _time;

    internal RequestTrace(ActivityContext parent, long arrived, TimeProvider time)
    {
        _parent = parent;
        _arrived = arrived;
        _time = time;
    }

    /// <summary>The caller's trace (<c>traceparent</c>), or none.</summary>
    internal ActivityContext Parent => _parent;

    /// <summary>The span, once there is one.</summary>
    public Activity? Activity { get; private set; }

    /// <summary>
    /// Keeps the request's trace: marks its span sampled, or, for a request that has none yet, starts it now as a
    /// sampled span dated from the request's arrival and makes it <c>Activity.Current</c> for the code that runs from
    /// here (an origin fetch then carries it in <c>traceparent</c>). Without deferred spans, marks <c>Activity.Current</c>.
    /// </summary>
    public static void Keep(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<RequestTrace>() is { } trace)
        {
            trace.Keep();
        }
        else
        {
            KeepableSampler.Keep(Activity.Current);
        }
    }

    /// <summary>
    /// <see cref="Keep(HttpContext)"/> for later, bound to this request's trace now: for work that may outlive the request
    /// (a cache fill that other requests join), which must not read a recycled <see cref="HttpContext"/>.
    /// </summary>
    public static Action KeeperFor(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<RequestTrace>() is { } trace ? trace.Keep : static () => KeepableSampler.Keep(Activity.Current);
    }

    /// <summary>The request's span: its deferred one if the service makes its own, else <c>Activity.Current</c>.</summary>
    public static Activity? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<RequestTrace>() is { } trace ? trace.Activity : Activity.Current;
    }

    /// <summary>Starts the span as the request arrives (the head decision kept it).</summary>
    internal void StartNow() => Activity = Start(ServerSpanMiddleware.Source.CreateActivity(ServerSpanMiddleware.SpanName, ActivityKind.Server, _parent));

    private void Keep()
    {
        if (Activity is { } activity)
        {
            KeepableSampler.Keep(activity);
            return;
        }

        var span = ServerSpanMiddleware.Source.CreateActivity(ServerSpanMiddleware.SpanName, ActivityKind.Server, _parent);
        span?.SetStartTime((_time.GetUtcNow() - _time.GetElapsedTime(_arrived)).UtcDateTime);
        Activity = Start(span);
    }

    private static Activity? Start(Activity? span)
    {
        // Sampled whatever the sampler's ratio said: this span exists only because the request is being traced.
        KeepableSampler.Keep(span);
        return span?.Start();
    }
}
