using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MLNet.Compression.Cli.Parsing;

/// <summary>
/// Words for System.CommandLine's parse errors: a value that does not convert to its option's type is described by what
/// was expected (<c>--sparsity: "abc" is not a number (expected a fraction between 0 and 1)</c>) instead of a .NET type
/// name; other parse errors keep System.CommandLine's own sentence.
/// </summary>
public static class ParseErrorText
{
    // What some options take, in words; the others are described by their type alone.
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["--sparsity"] = "a fraction between 0 and 1",
        ["--bias-skew"] = "a number between 0 (no bias) and 1 (total)",
        ["--damping"] = "a small positive number such as 0.01",
        ["--bits"] = "2, 3, 4 or 8",
        ["--group-size"] = "a positive size, or -1 for one group per row",
        ["--block-size"] = "a positive number of columns such as 128",
        ["--max-new-tokens"] = "a whole number, 0 or more",
        ["--max-length"] = "a whole number of tokens, at least 2",
        ["--stride"] = "a whole number of tokens, at least 1",
    };

    /// <summary>One line describing <paramref name="error"/>, without the <c>error:</c> prefix.</summary>
    public static string Describe(ParseError error)
    {
        var option = error.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is null) return error.Message;
        var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
        var bad = option.Tokens.Select(t => t.Value).FirstOrDefault(v => !Converts(v, type));
        if (bad is null) return error.Message;
        string name = option.Option.Name;
        string expected = Expected.TryGetValue(name, out var words) ? words : Describe(type);
        return $"{name}: \"{bad}\" is not {Noun(type)} (expected {expected})";
    }

    private static bool Converts(string value, Type type)
    {
        var inv = CultureInfo.InvariantCulture;
        if (type == typeof(double) || type == typeof(float)) return double.TryParse(value, NumberStyles.Float, inv, out _);
        if (type == typeof(int)) return int.TryParse(value, NumberStyles.Integer, inv, out _);
        if (type == typeof(long)) return long.TryParse(value, NumberStyles.Integer, inv, out _);
        if (type == typeof(bool)) return bool.TryParse(value, out _);
        if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out _);
        return true;
    }

    private static string Noun(Type type)
    {
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(bool)) return "true or false";
        return "a valid value";
    }

    private static string Describe(Type type)
    {
        if (type == typeof(double) || type == typeof(float)) return "a number such as 0.5";
        if (type == typeof(int)) return $"a whole number between {int.MinValue} and {int.MaxValue}";
        if (type == typeof(long)) return "a whole number";
        if (type == typeof(bool)) return "true or false";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        return "a value of the documented form";
    }
}
