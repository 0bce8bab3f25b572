using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeImages.Testing;

/// <summary>
/// A real redis-server (the Debian package) on a free port of 127.0.0.1, with no persistence: a killed Redis
/// comes back empty, as a region's cache may after a crash.
/// </summary>
public sealed class RedisServer : LoopbackServer
{
    private const string Binary = "/usr/bin/redis-server";

    private RedisServer()
        : base("redis")
    {
    }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run ./test.sh, which installs the Debian package redis-server.");
        }

        var server = new RedisServer();
        try
        {
            await server.LaunchAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one command in RESP and returns the raw first line of the reply.</summary>
    public async Task<string> CommandAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var reply = await ReplyAsync(cancellationToken, arguments);
        var end = reply.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? reply : reply[..end];
    }

    /// <summary>The whole raw reply of one short command (up to 4 KiB), e.g. the key names of a <c>KEYS</c>.</summary>
    public async Task<string> ReplyAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        using var client = new TcpClient();
        await client.ConnectAsync(Host, Port, cancellationToken);
        var stream = client.GetStream();
        var request = new StringBuilder().Append('*').Append(arguments.Length).Append("\r\n");
        foreach (var argument in arguments)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(argument)).Append("\r\n").Append(argument).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellationToken);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    protected override ProcessHandle StartProcess() => ProcessHandle.Start(Binary,
    [
        "--port", Port.ToString(CultureInfo.InvariantCulture),
        "--bind", Host,
        "--dir", Folder,
        "--save", "",
        "--appendonly", "no",
        "--protected-mode", "no",
        "--daemonize", "no",
    ]);

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken) =>
        await CommandAsync(cancellationToken, "PING") == "+PONG";
}
