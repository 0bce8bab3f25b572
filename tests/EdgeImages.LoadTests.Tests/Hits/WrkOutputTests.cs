using EdgeImages.LoadTests.Hits;

namespace EdgeImages.LoadTests.Tests;

/// <summary>The hit benchmark reads wrk's printed summary; these are wrk 4.1's own words.</summary>
public sealed class WrkOutputTests
{
    private const string Output = """
        Running 10s test @ http://127.0.0.1:41003/bare
          1 threads and 32 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     2.95ms    4.12ms  86.26ms   93.50%
            Req/Sec    11.55k     1.02k   13.02k    81.00%
          Latency Distribution
             50%    1.87ms
             75%    2.64ms
             90%    4.98ms
             99%   21.55ms
          115002 requests in 10.01s, 1.88GB read
          Socket errors: connect 0, read 2, write 0, timeout 1
          Non-2xx or 3xx responses: 4
        Requests/sec:  11488.71
        Transfer/sec:    192.46MB
        """;

    [Fact]
    public void Parse_Wrk41Summary_RateLatencyBytesAndErrors()
    {
        var result = Wrk.Parse(Output, clientCpuSeconds: 1.5);

        Assert.Equal(115002, result.Requests);
        Assert.Equal(10.01, result.Seconds, 3);
        Assert.Equal(11488.71, result.RequestsPerSecond, 2);
        Assert.Equal(1.87, result.P50Ms, 3);
        Assert.Equal(21.55, result.P99Ms, 3);
        Assert.Equal(192.46 * 1024 * 1024, result.BytesPerSecond, 0);
        Assert.Equal(7, result.Errors);
        Assert.Equal(1.5, result.ClientCpuSeconds);
    }

    [Fact]
    public void Parse_MicrosecondsAndSeconds_InMilliseconds()
    {
        var output = Output.Replace("1.87ms", "812.00us", StringComparison.Ordinal).Replace("21.55ms", "1.02s", StringComparison.Ordinal);

        var result = Wrk.Parse(output, 0);

        Assert.Equal(0.812, result.P50Ms, 3);
        Assert.Equal(1020, result.P99Ms, 3);
    }
}
