using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Hits;

/// <summary>What a flood of misses got: how many arrived, how they were answered, and how many the client could not send.</summary>
internal sealed record FloodResult(int Sent, int Ok, int Shed, int Other, int NotSent, double Seconds);

/// <summary>
/// Distinct misses (never the same URL twice in a run) of real photos, 12 MP and 5 MP, to the edge: first closed-loop
/// to learn the edge's transform capacity (transforms answered per second with every slot busy), then open-loop at a
/// multiple of it, arrivals on a fixed schedule whatever the answers, as a flash crowd of new URLs arrives.
/// </summary>
internal sealed class MissFlood : IDisposable
{
    // Past this many in flight the client stops sending and counts the arrival as not sent, so that a stalled edge
    // cannot make the client itself the bottleneck (sockets, memory).
    private const int MaxInFlight = 512;

    private static readonly string[] Photos = ["photo-landscape-12mp.jpg", "photo-portrait-5mp.jpg"];

    private readonly HttpClient _client;
    private readonly ImageUrlBuilder _urls;
    private readonly string _tenant;
    private readonly List<string> _paths;
    private int _next;

    private MissFlood(Uri edge, SigningKey key, string tenant, List<string> paths)
    {
        _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight }) { BaseAddress = edge, Timeout = TimeSpan.FromSeconds(30) };
        _urls = new ImageUrlBuilder(key);
        _tenant = tenant;
        _paths = paths;
    }

    /// <summary>Copies the photos into the edge's originals folder (four of each), as tenant <paramref name="tenant"/>.</summary>
    public static MissFlood Prepare(Uri edge, SigningKey key, string tenant, string originalsFolder)
    {
        var paths = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var path = $"hits-flood/photo-{i}.jpg";
            var file = Path.Combine(originalsFolder, tenant, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Copy(Path.Combine(RepositoryPaths.TestImages, Photos[i % Photos.Length]), file, overwrite: true);
            paths.Add(path);
        }

        return new MissFlood(edge, key, tenant, paths);
    }

    /// <summary>Transforms per second with <paramref name="concurrency"/> misses always in flight, for <paramref name="duration"/>.</summary>
    public async Task<double> MeasureCapacityAsync(int concurrency, TimeSpan duration)
    {
        var ok = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                if (await SendAsync() == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                }
            }
        }));
        return ok / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Sends <paramref name="perSecond"/> distinct misses a second, on schedule, until <paramref name="stop"/>.</summary>
    public async Task<FloodResult> RunAsync(double perSecond, CancellationToken stop)
    {
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var inFlight = new ConcurrentDictionary<Task, bool>();
        var sent = 0;
        var notSent = 0;
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var due = (int)(clock.Elapsed.TotalSeconds * perSecond);
            for (; sent + notSent < due; )
            {
                if (inFlight.Count >= MaxInFlight)
                {
                    notSent++;
                    continue;
                }

                sent++;
                var task = Task.Run(async () => statuses.Add(await SendAsync()), CancellationToken.None);
                inFlight[task] = true;
                _ = task.ContinueWith(t => inFlight.TryRemove(t, out var _), TaskScheduler.Default);
            }

            try
            {
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(inFlight.Keys);
        var all = statuses.ToList();
        return new FloodResult(
            sent,
            all.Count(s => s == HttpStatusCode.OK),
            all.Count(s => s == HttpStatusCode.ServiceUnavailable),
            all.Count(s => s is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable)),
            notSent,
            seconds);
    }

    private async Task<HttpStatusCode> SendAsync()
    {
        var i = Interlocked.Increment(ref _next);
        // Every URL distinct: eight photos × 1500 widths × two formats before any repeats.
        var options = new TransformOptions
        {
            Width = 100 + (i / _paths.Count % 1500),
            Format = i / (_paths.Count * 1500) % 2 == 0 ? ImageFormat.Jpeg : ImageFormat.Webp,
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, _urls.Build(options, _tenant, _paths[i % _paths.Count]));
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return HttpStatusCode.RequestTimeout;
        }
    }

    public void Dispose() => _client.Dispose();
}
