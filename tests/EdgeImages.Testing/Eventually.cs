using System.Diagnostics;

namespace EdgeImages.Testing;

/// <summary>
/// Polls until something holds, for tests of things that happen in the background (a purge reaching an edge, a
/// health check turning, a log line arriving). The timeout is a hang guard that names what never happened, never the
/// assertion being made: how fast something happens is measured in <c>loadtests</c>, not asserted in a test.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    /// <remarks>Returns nothing, not even the time it took: a wait is not a measurement.</remarks>
    /// <exception cref="TimeoutException">The condition was still false after <paramref name="timeout"/>.</exception>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <inheritdoc cref="WaitAsync(Func{Task{bool}}, TimeSpan, string, TimeSpan?)"/>
    public static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitAsync(() => Task.FromResult(condition()), timeout, what, interval);
    }

    /// <summary>
    /// Asks <paramref name="probe"/> until <paramref name="done"/> accepts its answer, and returns that answer. On
    /// timeout the message carries the last answer, which usually says why.
    /// </summary>
    /// <exception cref="TimeoutException">No answer was accepted within <paramref name="timeout"/>.</exception>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var last = default(T);
        try
        {
            await WaitAsync(async () => done(last = await probe()), timeout, what, interval);
            return last!;
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message} (last seen: {last})", exception);
        }
    }

    /// <summary>Asks <paramref name="find"/> until it finds something, and returns it.</summary>
    /// <exception cref="TimeoutException">Nothing was found within <paramref name="timeout"/>.</exception>
    public static async Task<T> FoundAsync<T>(Func<T?> find, TimeSpan timeout, string what, TimeSpan? interval = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(find);
        T? found = null;
        await WaitAsync(() => (found = find()) is not null, timeout, what, interval);
        return found!;
    }
}
