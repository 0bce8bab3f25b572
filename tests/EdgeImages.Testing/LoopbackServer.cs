namespace EdgeImages.Testing;

/// <summary>
/// The shape every real server used by tests shares (PostgreSQL now; Redis and etcd follow it): a process of
/// its own on a free port of 127.0.0.1 with its data in a temp folder, which tests can pause (SIGSTOP: the
/// sockets stay open and nothing answers, the worst kind of outage), resume, kill (SIGKILL) and start again
/// on the same data. Disposing kills it and deletes its folder.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private ProcessHandle? _process;
    private bool _disposed;

    protected LoopbackServer(string name)
    {
        Folder = Directory.CreateTempSubdirectory($"edgeimages-{name}-").FullName;
        Port = FreePort.Next();
    }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    /// <summary>The temp folder holding the server's data, sockets and anything else it writes.</summary>
    public string Folder { get; }

    /// <summary>The last lines the server wrote, for failure messages.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>SIGSTOP to the server and its children: connections stay open, nothing answers.</summary>
    public void Pause() => Running().SignalTree(ProcessHandle.SigStop);

    public void Resume() => Running().SignalTree(ProcessHandle.SigCont);

    /// <summary>SIGKILL to the server and its children, as a crash would; the data stays for <see cref="StartAgainAsync"/>.</summary>
    public async Task KillAsync()
    {
        var process = Running();
        _process = null;
        await process.DisposeAsync();
    }

    /// <summary>Starts the server again on the same port and data, after <see cref="KillAsync"/>.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The server is still running.");
        }

        await LaunchAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_process is { } process)
        {
            _process = null;
            await process.StopAsync(StopSignal, TimeSpan.FromSeconds(5));
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test run for.
        }
        catch (UnauthorizedAccessException)
        {
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the process and waits until it answers, failing with its output when it does not.</summary>
    protected async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var process = StartProcess();
        _process = process;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        Exception? last = null;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{GetType().Name} exited during start-up:\n{process.Output}", last);
            }

            try
            {
                if (await IsReadyAsync(timeout.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"{GetType().Name} did not answer within {StartTimeout.TotalSeconds} s:\n{process.Output}", last);
            }
#pragma warning disable CA1031 // Anything may go wrong while a server starts; the last error is reported if it never answers.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                last = exception;
            }

            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{GetType().Name} did not answer within {StartTimeout.TotalSeconds} s:\n{process.Output}", last);
            }
        }
    }

    /// <summary>The signal that stops the server quickly at dispose, before SIGKILL is used (SIGKILL by default).</summary>
    protected virtual int StopSignal => ProcessHandle.SigKill;

    /// <summary>Starts the server's process (not waiting for it).</summary>
    protected abstract ProcessHandle StartProcess();

    /// <summary>One attempt to talk to the server; true when it answers.</summary>
    protected abstract Task<bool> IsReadyAsync(CancellationToken cancellationToken);

    private ProcessHandle Running() => _process ?? throw new InvalidOperationException("The server is not running.");
}
