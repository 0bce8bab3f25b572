using System.Net;
using System.Net.Sockets;

namespace EdgeImages.Testing;

/// <summary>Free TCP ports on the loopback interface for servers that cannot be told to pick their own.</summary>
public static class FreePort
{
    /// <summary>
    /// A port the kernel just handed out for 127.0.0.1. Another process could take it before the caller binds it;
    /// the kernel hands out ephemeral ports in rotation, so that race is rare enough for tests, and a server that
    /// fails to bind shows up as a start-up failure with its log, not as a wrong answer.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
