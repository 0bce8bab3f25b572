namespace EdgeImages.Edge.Origin;

/// <summary>
/// A circuit breaker over whole fetches: after <c>threshold</c> consecutive failed fetches it opens and
/// refuses for <c>openFor</c>; then it lets one probe through (half-open) and closes again on its success.
/// Per-node trouble is YARP's passive health's job; this is for "the whole origin is down".
/// </summary>
internal sealed class OriginBreaker(int threshold, TimeSpan openFor, TimeProvider timeProvider)
{
    private readonly Lock _lock = new();
    private int _consecutiveFailures;
    private long _openUntil;
    private bool _probing;

    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_consecutiveFailures < threshold)
            {
                return true;
            }

            if (timeProvider.GetTimestamp() < _openUntil || _probing)
            {
                return false;
            }

            _probing = true;
            return true;
        }
    }

    public void Succeeded()
    {
        lock (_lock)
        {
            _consecutiveFailures = 0;
            _probing = false;
        }
    }

    public void Failed()
    {
        lock (_lock)
        {
            _probing = false;
            if (++_consecutiveFailures >= threshold)
            {
                _openUntil = timeProvider.GetTimestamp() + (long)(openFor.TotalSeconds * timeProvider.TimestampFrequency);
            }
        }
    }
}
