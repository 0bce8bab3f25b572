using System.Collections.Concurrent;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// One run per key at a time: whoever asks for a key while its run is in flight gets that run's task instead of
/// starting another. The run belongs to no caller; each caller stops waiting on its own token.
/// </summary>
internal sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>The running task of <paramref name="key"/>, or a new one from <paramref name="start"/>.</summary>
    public Task<T> Run(string key, Func<Task<T>> start)
    {
        var candidate = new Lazy<Task<T>>(start);
        var winner = _inFlight.GetOrAdd(key, candidate);
        if (ReferenceEquals(winner, candidate))
        {
            // Only the caller that started the run unregisters it, once it is done, so a caller that stops waiting
            // early does not let a second run of the same key start.
            _ = winner.Value.ContinueWith(
                _ => _inFlight.TryRemove(KeyValuePair.Create(key, candidate)),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return winner.Value;
    }
}
