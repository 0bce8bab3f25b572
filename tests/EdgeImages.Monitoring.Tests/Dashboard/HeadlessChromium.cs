using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeImages.Testing;

namespace EdgeImages.Monitoring.Tests.Dashboard;

/// <summary>
/// Debian's Chromium, headless, in a fresh profile, driven over the Chrome DevTools Protocol on a WebSocket: navigate,
/// evaluate JavaScript, take a screenshot. No browser download and no Node: the Debian package is the browser.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private const string Binary = "/usr/bin/chromium";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly ProcessHandle _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessChromium(ProcessHandle process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    public static async Task<HeadlessChromium> StartAsync(int width, int height)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: run ./test.sh, which installs the Debian package chromium.");
        var profile = Directory.CreateTempSubdirectory("edgeimages-chromium-").FullName;
        var process = ProcessHandle.Start(Binary,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
            $"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            $"--window-size={width},{height}", "about:blank",
        ]);
        try
        {
            var page = await FindPageAsync(process, profile);
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(page, CancellationToken.None);
            var browser = new HeadlessChromium(process, profile, socket);
            await browser.SendAsync("Page.enable");
            await browser.SendAsync("Runtime.enable");
            await browser.SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = false });
            return browser;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public string Output => _process.Output;

    public Task NavigateAsync(Uri url) => SendAsync("Page.navigate", new { url = url.ToString() });

    /// <summary>The value of a JavaScript expression, passed back as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var reply = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (reply["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"{expression} threw: {exception.ToJsonString()}");
        }

        return reply["result"]?["value"];
    }

    /// <summary>The visible text of the element marked <c>data-testid="{testId}"</c>, or "" when there is none.</summary>
    public async Task<string> TextOfAsync(string testId) =>
        (await EvaluateAsync($"document.querySelector('[data-testid={testId}]')?.innerText ?? ''"))!.GetValue<string>();

    /// <summary>Polls <paramref name="expression"/> until it is true, failing with <paramref name="what"/> after the timeout.</summary>
    public async Task WaitForAsync(string expression, string what, TimeSpan? timeout = null)
    {
        try
        {
            await Eventually.WaitAsync(
                async () => (await EvaluateAsync($"Boolean({expression})"))?.GetValue<bool>() == true,
                timeout ?? TimeSpan.FromSeconds(15), what, TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException exception)
        {
            var body = await EvaluateAsync("document.body ? document.body.innerText : ''");
            throw new TimeoutException($"{exception.Message}. The page shows:\n{body}", exception);
        }
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var reply = await SendAsync("Page.captureScreenshot", new { format = "png" });
        return Convert.FromBase64String(reply["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A leftover profile in /tmp is not worth failing a test for.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<JsonNode> SendAsync(string method, object? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        while (true)
        {
            // Events arrive on the same socket between replies; only the reply with our id matters here.
            var reply = JsonNode.Parse(await ReceiveAsync(timeout.Token))!;
            if (reply["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            if (reply["error"] is { } error)
            {
                throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
            }

            return reply["result"] ?? new JsonObject();
        }
    }

    private async Task<string> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"Chromium closed the DevTools connection:\n{_process.Output}");
            }

            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(message.ToArray());
    }

    /// <summary>
    /// Chromium writes the port it chose to <c>DevToolsActivePort</c> in the profile; its <c>/json/list</c> then names
    /// the WebSocket of the blank page it opened.
    /// </summary>
    private static async Task<Uri> FindPageAsync(ProcessHandle process, string profile)
    {
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var deadline = DateTime.UtcNow + StartTimeout;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Chromium did not open its DevTools port:\n{process.Output}");
            }

            if (File.Exists(portFile) && File.ReadAllLines(portFile) is [var portLine, ..] && int.TryParse(portLine, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")))!.AsArray();
                if (targets.FirstOrDefault(target => target?["type"]?.GetValue<string>() == "page")?["webSocketDebuggerUrl"]?.GetValue<string>() is { } page)
                {
                    return new Uri(page);
                }
            }

            await Task.Delay(100);
        }
    }
}
