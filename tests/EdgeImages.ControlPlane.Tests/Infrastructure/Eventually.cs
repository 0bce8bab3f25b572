using System.Diagnostics;

namespace EdgeImages.ControlPlane.Tests.Infrastructure;

/// <summary>Polls a condition; the timeout is a hang guard, never the assertion being made.</summary>
internal static class Eventually
{
    public static async Task<TimeSpan> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await condition())
            {
                return Stopwatch.GetElapsedTime(started);
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(10));
        }
    }

    public static Task<TimeSpan> WaitAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, what, interval);
}
