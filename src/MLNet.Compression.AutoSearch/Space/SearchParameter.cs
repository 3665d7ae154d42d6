using System.Globalization;

namespace MLNet.Compression.AutoSearch.Space;

/// <summary>
/// One dimension of a <see cref="SearchSpace"/>. Every dimension maps to the unit interval, so tuners search [0, 1]^d
/// (Microsoft.ML.SearchSpace's "feature space") and the space maps points back.
/// </summary>
public abstract record SearchParameter(string Name)
{
    /// <summary>True when the dimension has one value only (a user-fixed choice).</summary>
    public abstract bool IsFixed { get; }

    /// <summary>The value (double or string) at unit coordinate <paramref name="u"/> in [0, 1].</summary>
    public abstract object Decode(double u);

    /// <summary>The unit coordinate of <paramref name="value"/>; the centre of its cell for a choice.</summary>
    public abstract double Encode(object value);

    /// <summary>Whether <paramref name="value"/> belongs to this dimension.</summary>
    public abstract bool Contains(object value);

    /// <summary>How the dimension reads in messages and JSON descriptions.</summary>
    public abstract string Describe();
}

/// <summary>
/// A number between <see cref="Min"/> and <see cref="Max"/>, on a log scale when <see cref="Log"/>, like UniformSingleOption;
/// with a <see cref="Step"/> the values are Min + k·Step (a sparsity searched in steps of 0.05, so two plans that differ
/// by less than a step are one plan and are not run twice).
/// </summary>
public sealed record Range : SearchParameter
{
    public double Min { get; }
    public double Max { get; }
    public bool Log { get; }
    public double? Step { get; }

    public Range(string name, double min, double max, bool log = false, double? step = null) : base(name)
    {
        if (!(double.IsFinite(min) && double.IsFinite(max)) || min > max)
            throw new ArgumentException($"parameter '{name}': range [{min}, {max}] is empty (expected min ≤ max, both finite).");
        if (log && min <= 0) throw new ArgumentException($"parameter '{name}': a log range needs min > 0, found {min}.");
        if (step is double st && (!(st > 0) || log)) throw new ArgumentException($"parameter '{name}': a step must be positive and on a linear range, found {st}.");
        (Min, Max, Log, Step) = (min, max, log, step);
    }

    public override bool IsFixed => Min == Max;

    public override object Decode(double u)
    {
        u = Math.Clamp(u, 0, 1);
        if (IsFixed) return Min;
        double v = Log ? Math.Exp(Math.Log(Min) + u * (Math.Log(Max) - Math.Log(Min))) : Min + u * (Max - Min);
        if (Step is double st) v = Min + Math.Round((v - Min) / st) * st;
        // Rounded to 12 significant digits so a stepped value has one text form (0.3, not 0.30000000000000004).
        return Math.Clamp(Math.Round(v, 12), Min, Max);
    }

    public override double Encode(object value)
    {
        double v = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (IsFixed) return 0.5;
        double u = Log ? (Math.Log(v) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)) : (v - Min) / (Max - Min);
        return Math.Clamp(u, 0, 1);
    }

    public override bool Contains(object value) => value is double d && d >= Min && d <= Max;

    public override string Describe() => IsFixed ? Min.ToString("G", CultureInfo.InvariantCulture)
        : $"[{Min.ToString("G", CultureInfo.InvariantCulture)}, {Max.ToString("G", CultureInfo.InvariantCulture)}]{(Log ? " log" : "")}{(Step is double st ? " step " + st.ToString("G", CultureInfo.InvariantCulture) : "")}";
}

/// <summary>One of a list of labels, like ChoiceOption; the unit interval is cut into equal cells, one per option.</summary>
public sealed record Choice : SearchParameter
{
    public IReadOnlyList<string> Options { get; }

    public Choice(string name, params string[] options) : base(name)
    {
        if (options.Length == 0) throw new ArgumentException($"parameter '{name}': a choice needs at least one option.");
        if (options.Distinct(StringComparer.Ordinal).Count() != options.Length) throw new ArgumentException($"parameter '{name}': options repeat ({string.Join(", ", options)}).");
        Options = options;
    }

    public override bool IsFixed => Options.Count == 1;

    public int IndexOf(object value) => value is string s ? Options.ToList().IndexOf(s) : -1;

    public override object Decode(double u) => Options[Math.Min(Options.Count - 1, (int)Math.Floor(Math.Clamp(u, 0, 1) * Options.Count))];

    public override double Encode(object value)
    {
        int i = IndexOf(value);
        if (i < 0) throw new ArgumentException($"parameter '{Name}': \"{value}\" is not one of {string.Join(", ", Options)}.");
        return (i + 0.5) / Options.Count;
    }

    public override bool Contains(object value) => IndexOf(value) >= 0;

    public override string Describe() => "{" + string.Join(", ", Options) + "}";
}
