using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// The threads transforms run on: a fixed set, one per slot, at a higher nice value than the request path, so that
/// when both want the cores the kernel gives them to the requests (hits, 503s) first, and transforms take whatever
/// is left. <c>Thread.Priority</c> does nothing on Linux for a normal process, so each thread sets its own nice value
/// with <c>setpriority</c> on its thread id; where that fails (not Linux, or a sandbox forbids it) the threads run at
/// normal priority, said once in the log. Each work item runs in the execution context of the request that queued it,
/// so its async-locals (memory reservation, current span) are there as if it ran inline.
/// </summary>
internal sealed partial class TransformSchedulerWorkers : IDisposable
{
    private readonly BlockingCollection<WorkItem> _queue = new(new ConcurrentQueue<WorkItem>());
    private readonly Thread[] _threads;
    private int _niceFailures;

    public TransformSchedulerWorkers(int count, int nice)
    {
        Nice = nice;
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"transform-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>The nice value asked for; 0 leaves the threads at the request path's priority.</summary>
    public int Nice { get; }

    /// <summary>True once a thread could not lower its priority (then all of them run at normal priority).</summary>
    public bool NiceFailed => Volatile.Read(ref _niceFailures) > 0;

    public Task<T> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken)
    {
        var item = new WorkItem<T>(work, ExecutionContext.Capture(), cancellationToken);
        _queue.Add(item, CancellationToken.None);
        return item.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        _queue.Dispose();
    }

    private void Work()
    {
        if (Nice != 0 && !TrySetNice(Nice))
        {
            Interlocked.Increment(ref _niceFailures);
        }

        foreach (var item in _queue.GetConsumingEnumerable())
        {
            item.Run();
        }
    }

    private static bool TrySetNice(int nice)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // PRIO_PROCESS with a thread id sets that one thread's nice value on Linux (threads are tasks).
            return SetPriority(0, GetTid(), nice) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport, which would need unsafe code in the whole project for two calls.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern int GetTid();
#pragma warning restore SYSLIB1054

    private abstract class WorkItem
    {
        public abstract void Run();
    }

    private sealed class WorkItem<T>(Func<CancellationToken, T> work, ExecutionContext? context, CancellationToken cancellationToken) : WorkItem
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        public override void Run()
        {
            if (context is null)
            {
                Execute();
            }
            else
            {
                ExecutionContext.Run(context, static state => ((WorkItem<T>)state!).Execute(), this);
            }
        }

        private void Execute()
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                _done.TrySetResult(work(cancellationToken));
            }
            catch (OperationCanceledException canceled) when (canceled.CancellationToken == cancellationToken)
            {
                _done.TrySetCanceled(cancellationToken);
            }
#pragma warning disable CA1031 // Whatever the work throws belongs to the request that queued it, not to this thread.
            catch (Exception failure)
#pragma warning restore CA1031
            {
                _done.TrySetException(failure);
            }
        }
    }
}
