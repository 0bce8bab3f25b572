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
            InFlight.ForgetWhenDone(_inFlight, key, candidate, candidate.Value);
        }

        return winner.Value;
    }
}

/// <summary>How a run leaves a table of runs in flight, keyed by what they fetch or fill.</summary>
internal static class InFlight
{
    /// <summary>
    /// Removes <paramref name="flight"/> from <paramref name="inFlight"/> once <paramref name="run"/> is done, if it is
    /// still the entry of <paramref name="key"/>. Only the caller that started the run calls this, so a caller that stops
    /// waiting early does not let a second run of the same key start.
    /// </summary>
    public static void ForgetWhenDone<TFlight>(ConcurrentDictionary<string, TFlight> inFlight, string key, TFlight flight, Task run)
        where TFlight : class =>
        _ = run.ContinueWith(
            _ => inFlight.TryRemove(KeyValuePair.Create(key, flight)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
