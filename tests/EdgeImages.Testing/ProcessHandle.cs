using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeImages.Testing;

/// <summary>
/// A child process that cannot outlive its owner: disposing kills it and every process below it, and so does
/// the test process exiting (normally or by SIGTERM/SIGINT) while it is still alive. Only SIGKILL of the test
/// process itself escapes both; the servers then die with their temp folders' cleanup on the next run of the OS.
/// Output (stdout and stderr) is kept, the last lines only, to explain a failed start.
/// </summary>
public sealed partial class ProcessHandle : IAsyncDisposable
{
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigCont = 18;
    public const int SigStop = 19;

    private const int KeptOutputLines = 200;

    // The one piece of static state, on purpose: a process-exit hook has nowhere else to find the live children.
    private static readonly ConcurrentDictionary<ProcessHandle, bool> Live = new();

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    static ProcessHandle()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var handle in Live.Keys)
            {
                handle.KillTree();
            }
        };
    }

    private ProcessHandle(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote, stdout and stderr interleaved as they arrived.</summary>
    public string Output => string.Join('\n', _output);

    public static ProcessHandle Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null) =>
        Start(fileName, arguments, workingDirectory, environment: []);

    /// <summary>
    /// One of the services, <c>dotnet ASSEMBLY ARGUMENTS</c> from the assembly's folder, with <paramref name="settings"/>
    /// as configuration. They go in as environment variables (<c>Section:Key</c> as <c>Section__Key</c>), which ASP.NET
    /// Core reads as it reads arguments, and never as arguments: anyone on the machine can read a process's arguments
    /// (<c>ps</c>, <c>/proc/PID/cmdline</c>), and these settings carry signing keys, credentials and master keys; its
    /// environment only its own user can.
    /// </summary>
    public static ProcessHandle StartService(string assembly, IEnumerable<string> arguments, IEnumerable<KeyValuePair<string, string>> settings) =>
        Start("dotnet", [assembly, .. arguments], Path.GetDirectoryName(assembly),
            settings.Select(setting => KeyValuePair.Create(setting.Key.Replace(":", "__", StringComparison.Ordinal), setting.Value)));

    private static ProcessHandle Start(string fileName, IEnumerable<string> arguments, string? workingDirectory, IEnumerable<KeyValuePair<string, string>> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var handle = new ProcessHandle(process, Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => handle.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => handle.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{fileName} did not start.");
        }

        Live[handle] = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return handle;
    }

    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        await using var handle = Start(fileName, arguments);
        await handle._process.WaitForExitAsync(cancellationToken);
        if (handle._process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with {handle._process.ExitCode}:\n{handle.Output}");
        }

        return handle.Output;
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Sends a signal to this process and every process below it (SIGSTOP pauses a whole server, SIGCONT resumes it).</summary>
    public void SignalTree(int signal)
    {
        foreach (var pid in Tree())
        {
            _ = Kill(pid, signal);
        }
    }

    /// <summary>
    /// SIGKILL to the whole tree. The tree is frozen with SIGSTOP first so that no process can fork a child
    /// between listing and killing (a postmaster starting a backend would otherwise leave an orphan holding the
    /// data directory's shared memory).
    /// </summary>
    public void KillTree()
    {
        if (_process.HasExited)
        {
            return;
        }

        var seen = new HashSet<int>();
        for (var round = 0; round < 5; round++)
        {
            var added = false;
            foreach (var pid in Tree())
            {
                if (seen.Add(pid))
                {
                    _ = Kill(pid, SigStop);
                    added = true;
                }
            }

            if (!added)
            {
                break;
            }
        }

        foreach (var pid in seen)
        {
            _ = Kill(pid, SigKill);
        }
    }

    /// <summary>
    /// Asks the process to stop with <paramref name="signal"/> (a server then stops and reaps its own children),
    /// and kills the whole tree if it has not exited within <paramref name="grace"/>.
    /// </summary>
    public async Task StopAsync(int signal, TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, signal);
            try
            {
                using var timeout = new CancellationTokenSource(grace);
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Did not stop in time: the dispose that follows kills it.
            }
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        KillTree();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed but not reaped in time; nothing more can be done from here.
        }

        Live.TryRemove(this, out _);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptOutputLines && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>This process and its descendants, parents first, read from /proc (no tool needed).</summary>
    private List<int> Tree()
    {
        var root = _process.Id;
        var parents = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // exited while listing
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent))
            {
                if (!parents.TryGetValue(parent, out var children))
                {
                    parents[parent] = children = [];
                }

                children.Add(pid);
            }
        }

        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            if (parents.TryGetValue(result[i], out var children))
            {
                result.AddRange(children);
            }
        }

        return result;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
