using System.Globalization;

namespace EdgeImages.Testing;

/// <summary>One sample of the Prometheus text format: <c>name{label="value",...} 1.5</c>.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Label, string Value)[] labels) =>
        labels.All(label => Labels.TryGetValue(label.Label, out var value) && value == label.Value);
}

/// <summary>
/// A small reader of the Prometheus exposition format, enough for tests to ask "is there a sample of this name with
/// these labels, and what is it": escaped label values are unescaped.
/// </summary>
public static class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var nameEnd = line.IndexOfAny(['{', ' ']);
            var name = line[..nameEnd];
            var position = nameEnd;
            if (line[position] == '{')
            {
                position = ReadLabels(line, position + 1, labels);
            }

            var rest = line[position..].Trim();
            var value = rest.Split(' ')[0];
            samples.Add(new PrometheusSample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }

        return samples;
    }

    /// <summary>The value of the samples with this name and these labels, or null when there is none.</summary>
    /// <summary>Reads <c>a="x",b="y"}</c> from <paramref name="start"/>; returns the index after the closing brace.</summary>
    private static int ReadLabels(string line, int start, Dictionary<string, string> labels)
    {
        var position = start;
        while (line[position] != '}')
        {
            var equals = line.IndexOf('=', position);
            var label = line[position..equals].Trim(',', ' ');
            var value = new System.Text.StringBuilder();
            position = equals + 2; // past ="
            while (line[position] != '"')
            {
                if (line[position] == '\\')
                {
                    position++;
                }

                value.Append(line[position++]);
            }

            labels[label] = value.ToString();
            position++; // past the closing quote
            if (line[position] == ',')
            {
                position++;
            }
        }

        return position + 1;
    }

    /// <remarks>Several matching samples (other labels differ) are summed, as PromQL's <c>sum</c> would.</remarks>
    public static double? ValueOf(this IReadOnlyList<PrometheusSample> samples, string name, params (string Label, string Value)[] labels)
    {
        var matching = samples.Where(sample => sample.Name == name && sample.Has(labels)).ToList();
        return matching.Count == 0 ? null : matching.Sum(sample => sample.Value);
    }
}
