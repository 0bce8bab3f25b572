namespace EdgeImages.Edge.Originals;

/// <summary>
/// Where originals come from: a local folder in the embedded default, the origin cluster in production.
/// Failures are <see cref="Http.EdgeProblemException"/>s: 404 for a missing original or version,
/// 413 for one beyond the byte limit, 502/504 when the store itself failed.
/// </summary>
internal interface IOriginalStore
{
    Task<Original> FetchAsync(OriginalKey key, CancellationToken cancellationToken);
}
