using Microsoft.Extensions.Options;

namespace EdgeImages.Testing;

/// <summary>What a service said when its settings stopped it from starting.</summary>
public static class StartupFailure
{
    /// <summary>
    /// Starts (or builds and starts) a service that must refuse its settings, and returns every option failure it named,
    /// one a line; empty when it failed for another reason. Each options type that fails is an exception of its own,
    /// so several come as an aggregate.
    /// </summary>
    public static async Task<string> OptionFailuresAsync(Func<Task> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            await start().ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            var failures = failure is AggregateException aggregate ? aggregate.InnerExceptions : [failure];
            return string.Join("\n", failures.OfType<OptionsValidationException>().SelectMany(f => f.Failures));
        }

        throw new InvalidOperationException("The service started: its settings were accepted.");
    }
}
