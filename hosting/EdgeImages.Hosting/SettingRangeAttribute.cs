using System.ComponentModel.DataAnnotations;

namespace EdgeImages.Hosting;

/// <summary>
/// <see cref="RangeAttribute"/> whose <c>ErrorMessage</c> is kept, so that a bad setting is reported by its configuration
/// key (<c>Caching:MaxAge must be between …</c>) rather than by its C# member. The options validator source generator
/// swaps every <see cref="RangeAttribute"/> itself for a copy of its own whose message is always "The field {0} must be
/// between {1} and {2}"; it leaves a subclass as it is. Limits given as strings (<see cref="TimeSpan"/>) are read in the
/// invariant culture, as configuration values are.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class SettingRangeAttribute : RangeAttribute
{
    public SettingRangeAttribute(int minimum, int maximum)
        : base(minimum, maximum)
    {
    }

    public SettingRangeAttribute(double minimum, double maximum)
        : base(minimum, maximum)
    {
    }

    public SettingRangeAttribute(Type type, string minimum, string maximum)
        : base(type, minimum, maximum)
    {
        ParseLimitsInInvariantCulture = true;
        ConvertValueInInvariantCulture = true;
    }
}
