namespace Gadugi.BuildExec.Core.Audit;

/// <summary>
/// Keeps the security events of one execution to a size the audit log can carry: at most
/// <see cref="MaxEvents"/> events of <see cref="MaxDetailLength"/> characters each. What does not fit
/// is counted per kind and summarised in one closing event, so a hostile tree of 100,000 links yields
/// a record of kilobytes that still says how many were refused.
/// </summary>
internal sealed class EventBudget
{
    public const int MaxEvents = 100;

    public const int MaxDetailLength = 512;

    private readonly List<SecurityEvent> _kept = [];
    private readonly Dictionary<string, long> _dropped = new(StringComparer.Ordinal);

    public void Add(SecurityEvent securityEvent)
    {
        ArgumentNullException.ThrowIfNull(securityEvent);
        if (_kept.Count >= MaxEvents)
        {
            _dropped[securityEvent.Kind] = _dropped.GetValueOrDefault(securityEvent.Kind) + 1;
            return;
        }

        _kept.Add(securityEvent with { Detail = Shorten(securityEvent.Detail) });
    }

    public void AddRange(IEnumerable<SecurityEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var securityEvent in events)
        {
            Add(securityEvent);
        }
    }

    public long Dropped => _dropped.Values.Sum();

    /// <summary>The kept events, then one <c>events_truncated</c> event counting the rest by kind.</summary>
    public IReadOnlyList<SecurityEvent> ToList() => _dropped.Count == 0
        ? [.. _kept]
        : [.. _kept, new SecurityEvent("events_truncated", $"{Dropped} more event(s) not recorded ({string.Join(", ", _dropped.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Value} {pair.Key}"))}); the first {MaxEvents} are above")];

    /// <summary>Applies the budget to a finished list.</summary>
    public static IReadOnlyList<SecurityEvent> Cap(IEnumerable<SecurityEvent> events)
    {
        var budget = new EventBudget();
        budget.AddRange(events);
        return budget.ToList();
    }

    /// <summary>Cuts a detail to the limit, saying how long it was.</summary>
    public static string Shorten(string detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return detail.Length > MaxDetailLength ? detail[..MaxDetailLength] + $"… ({detail.Length} characters)" : detail;
    }
}
