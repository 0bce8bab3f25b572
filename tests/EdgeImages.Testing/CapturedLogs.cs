using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Testing;

/// <summary>
/// Every log entry a service writes, as text holding all that a log shipper could see of it: category, formatted
/// message, every state value, every scope value, the exception. Tests search it for what must never be logged.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Entries => _entries;

    public string Text => string.Join('\n', _entries);

    /// <summary>
    /// Adds the capture to a service's logging and turns every category up to <see cref="LogLevel.Trace"/>, except the
    /// ones the service itself switched off (<see cref="LogLevel.None"/>): the most a misconfigured deployment could log.
    /// </summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ILoggerProvider>(this);
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            options.MinLevel = LogLevel.Trace;
            for (var i = 0; i < options.Rules.Count; i++)
            {
                var rule = options.Rules[i];
                if (rule.LogLevel != LogLevel.None)
                {
                    options.Rules[i] = new LoggerFilterRule(rule.ProviderName, rule.CategoryName, LogLevel.Trace, rule.Filter);
                }
            }
        });
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new StringBuilder().Append(logLevel).Append(' ').Append(category).Append(": ").Append(formatter(state, exception));
            AppendValues(entry, state);
            owner._scopes.ForEachScope((scope, text) => AppendValues(text.Append(" scope:").Append(scope), scope), entry);
            if (exception is not null)
            {
                entry.Append(' ').Append(exception);
            }

            owner._entries.Enqueue(entry.ToString());
        }

        private static void AppendValues(StringBuilder entry, object? state)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    entry.Append(' ').Append(key).Append('=').Append(value);
                }
            }
        }
    }
}
