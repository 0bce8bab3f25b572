using System.Collections;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Telemetry;

/// <summary>What one request's log line says, captured on the request path without formatting anything.</summary>
internal readonly record struct RequestLogEntry(
    LogLevel Level,
    string Method,
    string Route,
    int Status,
    double ElapsedMs,
    string Cache,
    string Tenant,
    ActivityTraceId TraceId,
    ActivitySpanId SpanId,
    ActivitySpanId ParentSpanId);

/// <summary>
/// Writes the request log off the request path: a request queues its <see cref="RequestLogEntry"/> (a struct, no
/// formatting, no allocation) and this one background writer formats it through the source-generated
/// <see cref="Log.Request"/> into the service's logging (JSON on stdout). When the queue is full (stdout slower than
/// the traffic), the line is dropped and counted rather than the request waiting for it. Lines are written in batches
/// (<see cref="BatchInterval"/>). The trace ids the request ran under are put back as the scope that logging would
/// have added on the request's thread, same names.
/// </summary>
internal sealed partial class RequestLogWriter : BackgroundService
{
    /// <summary>
    /// How long the writer rests after writing what was queued. Woken for every line, it cost more than the line: a
    /// thread-pool hop, then the console logger's thread woken for one message, each a context switch on a busy core
    /// (a profile of the hit benchmark put the request log at 1 µs a hit at 2 % of hits logged). Resting lets lines
    /// gather, written together a tenth of a second late at most.
    /// </summary>
    internal static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(100);

    private readonly Channel<RequestLogEntry> _queue;
    private readonly ILogger<RequestLogMiddleware> _logger;
    private readonly TelemetryMeter _meter;
    private readonly TimeProvider _time;

    public RequestLogWriter(TelemetryOptions options, ILogger<RequestLogMiddleware> logger, TelemetryMeter meter, TimeProvider time)
    {
        _logger = logger;
        _meter = meter;
        _time = time;
        // Wait mode with TryWrite only: a full queue makes TryWrite false (counted as dropped), never a wait.
        _queue = Channel.CreateBounded<RequestLogEntry>(new BoundedChannelOptions(options.RequestLogQueueLength)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public bool IsEnabled(LogLevel level) => _logger.IsEnabled(level);

    public void Enqueue(in RequestLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            _meter.RequestLogDropped();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Lines of the last requests are still written: the loop drains the queue once it is completed.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                Drain(reader);
                await Task.Delay(BatchInterval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Drain(reader);
        }
    }

    private void Drain(ChannelReader<RequestLogEntry> reader)
    {
        while (reader.TryRead(out var entry))
        {
            Write(entry);
        }
    }

    private void Write(in RequestLogEntry entry)
    {
        using var scope = entry.TraceId == default ? null : _logger.BeginScope(new TraceScope(entry.TraceId, entry.SpanId, entry.ParentSpanId));
        Log.Request(_logger, entry.Level, entry.Method, entry.Route, entry.Status, entry.ElapsedMs, entry.Cache, entry.Tenant);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Message = "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms (X-Cache: {Cache}, tenant: {Tenant})")]
        public static partial void Request(ILogger logger, LogLevel level, string method, string route, int status, double elapsedMs, string cache, string tenant);
    }

    /// <summary>The scope <c>ActivityTrackingOptions</c> adds on a request's thread: SpanId, TraceId, ParentId.</summary>
    private sealed class TraceScope(ActivityTraceId traceId, ActivitySpanId spanId, ActivitySpanId parentId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 3;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("SpanId", spanId.ToHexString()),
            1 => new("TraceId", traceId.ToHexString()),
            2 => new("ParentId", parentId.ToHexString()),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"SpanId:{spanId.ToHexString()}, TraceId:{traceId.ToHexString()}, ParentId:{parentId.ToHexString()}";
    }
}
