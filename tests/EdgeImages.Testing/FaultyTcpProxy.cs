using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeImages.Testing;

/// <summary>What <see cref="FaultyTcpProxy"/> does with connections.</summary>
public enum ProxyFault
{
    /// <summary>Passes bytes both ways untouched.</summary>
    None,

    /// <summary>Nothing listens on the port: connections are refused by the kernel.</summary>
    Refuse,

    /// <summary>Accepts, then resets the connection (RST) before any byte of a response.</summary>
    Reset,

    /// <summary>Accepts and reads, and passes nothing on until <see cref="FaultyTcpProxy.ReleaseHeld"/> (the socket stays open).</summary>
    Hang,

    /// <summary>Forwards the response a few bytes at a time with a pause between them (<see cref="FaultyTcpProxy.ThrottleDelay"/>).</summary>
    Throttle,

    /// <summary>Forwards the first <see cref="FaultyTcpProxy.TruncateAfterBytes"/> bytes of a response, then closes the connection.</summary>
    Truncate,
}

/// <summary>
/// A small TCP proxy on 127.0.0.1 in front of a real server, whose socket misbehaves on demand: it refuses, resets,
/// hangs, throttles or truncates, the failures a real network hands an HTTP client. It also records every HTTP request
/// line that passes, so tests count what reached the server. Changing the fault closes the connections already open,
/// so that a pooled client connection does not keep the old behaviour.
/// </summary>
public sealed class FaultyTcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly ConcurrentQueue<string> _requestLines = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private TaskCompletionSource _released = NewGate();
    private ProxyFault _fault;

    private FaultyTcpProxy(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The proxy's address, to configure in place of the server's.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>For <see cref="ProxyFault.Throttle"/>: the pause between two chunks of a response.</summary>
    public TimeSpan ThrottleDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>For <see cref="ProxyFault.Throttle"/>: bytes forwarded per chunk.</summary>
    public int ThrottleChunkBytes { get; set; } = 1024;

    /// <summary>For <see cref="ProxyFault.Truncate"/>: response bytes forwarded before the connection is closed.</summary>
    public int TruncateAfterBytes { get; set; } = 2048;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private int _connections;

    /// <summary>The request lines (e.g. <c>GET /v1/acme/a.png HTTP/1.1</c>) sent through the proxy so far.</summary>
    public IReadOnlyList<string> RequestLines => [.. _requestLines];

    /// <summary>How many requests sent through the proxy had a request line containing <paramref name="text"/>.</summary>
    public int RequestsContaining(string text) => _requestLines.Count(line => line.Contains(text, StringComparison.Ordinal));

    public static FaultyTcpProxy Start(Uri target)
    {
        var proxy = new FaultyTcpProxy(new IPEndPoint(IPAddress.Parse(target.Host), target.Port), FreePort.Next());
        proxy.Listen();
        return proxy;
    }

    /// <summary>Switches to <paramref name="fault"/>; the connections open now are closed, and held ones released.</summary>
    public void SetFault(ProxyFault fault)
    {
        lock (_lock)
        {
            _fault = fault;
            if (fault == ProxyFault.Refuse)
            {
                StopListening();
            }
            else if (_listener is null)
            {
                Listen();
            }
        }

        CloseOpenConnections();
        ReleaseHeld();
    }

    /// <summary>Lets the requests held by <see cref="ProxyFault.Hang"/> go on to the server, as if the network woke up.</summary>
    public void ReleaseHeld()
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            released = _released;
            _released = NewGate();
        }

        released.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        lock (_lock)
        {
            StopListening();
        }

        CloseOpenConnections();
        _released.TrySetResult();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        listener.Listen(512);
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    private void StopListening()
    {
        _listener?.Dispose();
        _listener = null;
    }

    private void CloseOpenConnections()
    {
        foreach (var socket in _open.Keys)
        {
            Close(socket, reset: false);
        }
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return; // the listener was closed (Refuse, or disposal)
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        ProxyFault fault;
        Task held;
        lock (_lock)
        {
            fault = _fault;
            held = _released.Task;
        }

        _open[client] = 0;
        if (fault == ProxyFault.Reset)
        {
            Close(client, reset: true);
            return;
        }

        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _open[server] = 0;
        try
        {
            await server.ConnectAsync(_target, _stopping.Token);
            // Hang: what the client sends is read and recorded but reaches the server only once released.
            var upstream = PumpAsync(client, server, ProxyFault.None, record: true, gate: fault == ProxyFault.Hang ? held : null);
            var downstream = PumpAsync(server, client, fault, record: false, gate: null);
            await Task.WhenAny(upstream, downstream);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            Close(client, reset: false);
            Close(server, reset: false);
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> (or nowhere), applying the fault to what it writes.</summary>
    private async Task PumpAsync(Socket from, Socket? to, ProxyFault fault, bool record, Task? gate)
    {
        var buffer = new byte[16 * 1024];
        var head = new StringBuilder();
        var forwarded = 0;
        while (true)
        {
            int read;
            try
            {
                read = await from.ReceiveAsync(buffer, SocketFlags.None, _stopping.Token);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            if (read == 0)
            {
                if (to is not null)
                {
                    try
                    {
                        to.Shutdown(SocketShutdown.Send);
                    }
                    catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                    {
                    }
                }

                return;
            }

            if (record)
            {
                Record(head, buffer.AsSpan(0, read));
            }

            if (to is null)
            {
                continue;
            }

            if (gate is not null)
            {
                await gate.WaitAsync(_stopping.Token);
            }

            var chunk = buffer.AsMemory(0, read);
            switch (fault)
            {
                case ProxyFault.Truncate:
                    var allowed = Math.Max(0, TruncateAfterBytes - forwarded);
                    await to.SendAsync(chunk[..Math.Min(allowed, chunk.Length)], SocketFlags.None, _stopping.Token);
                    forwarded += Math.Min(allowed, chunk.Length);
                    if (forwarded >= TruncateAfterBytes)
                    {
                        Close(to, reset: false);
                        Close(from, reset: false);
                        return;
                    }

                    break;
                case ProxyFault.Throttle:
                    for (var offset = 0; offset < chunk.Length; offset += ThrottleChunkBytes)
                    {
                        await to.SendAsync(chunk[offset..Math.Min(chunk.Length, offset + ThrottleChunkBytes)], SocketFlags.None, _stopping.Token);
                        await Task.Delay(ThrottleDelay, _stopping.Token);
                    }

                    break;
                default:
                    await to.SendAsync(chunk, SocketFlags.None, _stopping.Token);
                    break;
            }
        }
    }

    /// <summary>Collects request heads (requests without bodies, as the edge sends) and records their first lines.</summary>
    private void Record(StringBuilder head, ReadOnlySpan<byte> bytes)
    {
        head.Append(Encoding.Latin1.GetString(bytes));
        while (true)
        {
            var text = head.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                return;
            }

            var firstLine = text.IndexOf("\r\n", StringComparison.Ordinal);
            _requestLines.Enqueue(text[..firstLine]);
            head.Remove(0, end + 4);
        }
    }

    private void Close(Socket socket, bool reset)
    {
        _open.TryRemove(socket, out _);
        try
        {
            if (reset)
            {
                // Linger 0: close sends RST instead of FIN.
                socket.LingerState = new LingerOption(true, 0);
            }

            socket.Dispose();
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
        }
    }
}
