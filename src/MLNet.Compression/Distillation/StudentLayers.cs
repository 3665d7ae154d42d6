using System.Globalization;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Which teacher layers a student keeps: the default spread, the CLI's --student-layers text, and the rules a list must
/// follow (non-empty, strictly increasing, each in range). Every error is an <see cref="ArgumentException"/> with a
/// one-line message that starts with "--student-layers:".
/// </summary>
public static class StudentLayers
{
    private const string Option = "--student-layers";
    private const string Example = "expected comma-separated teacher layer indices such as \"0,2,4\"";

    /// <summary>
    /// Layers kept by default: half the teacher's (rounded up, at least 1), spread so the first and last are kept:
    /// index_i = round(i·(L−1)/(n−1)), halves rounded up. For L = 12 this gives [0, 2, 4, 7, 9, 11], the layers
    /// DistilBERT's student starts from (Sanh et al. 2019, "DistilBERT, a distilled version of BERT", §3;
    /// transformers/examples/research_projects/distillation/scripts/extract_distilbert.py).
    /// A one-layer student (L = 1 or 2) keeps layer 0, the one that reads the embeddings.
    /// </summary>
    public static int[] Default(int teacherLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(teacherLayers, 1);
        int n = (teacherLayers + 1) / 2;
        if (n == 1) return [0];
        var layers = new int[n];
        // round(i·(L−1)/(n−1)) = ⌊(2·i·(L−1) + (n−1)) / (2·(n−1))⌋ in integers, so no float rounding decides a tie.
        for (int i = 0; i < n; i++)
            layers[i] = (int)((2L * i * (teacherLayers - 1) + (n - 1)) / (2L * (n - 1)));
        return layers;
    }

    /// <summary>
    /// Parses "0,2,4" (the CLI's --student-layers; spaces around items are allowed) into a strictly increasing list.
    /// Whether each index exists in the teacher is checked when the student is built.
    /// </summary>
    public static int[] Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw Error($"the list is empty; {Example}.");
        var items = text.Split(',');
        var layers = new int[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            string item = items[i].Trim();
            if (item.Length == 0) throw Error($"{Quote(text)} has an empty item; {Example}.");
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out layers[i]))
                throw Error($"{Quote(item)} is not a layer index; {Example}.");
        }
        CheckOrder(layers);
        return layers;
    }

    /// <summary>Fails unless <paramref name="layers"/> is non-empty and strictly increasing.</summary>
    internal static void CheckOrder(IReadOnlyList<int> layers)
    {
        if (layers.Count == 0) throw Error($"no layers were given; {Example}.");
        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i] == layers[i - 1])
                throw Error($"layer {layers[i]} is listed twice; expected each teacher layer at most once.");
            if (layers[i] < layers[i - 1])
                throw Error($"layer {layers[i]} comes after layer {layers[i - 1]}; expected the layers in increasing order, as the student keeps the teacher's order.");
        }
    }

    /// <summary>
    /// Fails unless every layer lies in [0, <paramref name="depth"/>). <paramref name="stack"/> names the stack
    /// ("encoder", "decoder") for seq2seq teachers, whose one list selects layers of both; null for a single stack.
    /// </summary>
    internal static void CheckRange(IReadOnlyList<int> layers, int depth, string? stack)
    {
        foreach (int layer in layers)
        {
            if (layer >= 0 && layer < depth) continue;
            string has = depth == 0 ? "no layers" : depth == 1 ? "1 layer (0)" : $"{depth} layers (0–{depth - 1})";
            throw Error(stack is null
                ? $"layer {layer} is out of range; the teacher has {has}."
                : $"layer {layer} is out of range; the teacher's {stack} has {has}, and the same list selects encoder and decoder layers.");
        }
    }

    internal static ArgumentException Error(string problem) => new($"{Option}: {problem}");

    /// <summary>The user's text in quotes, on one line.</summary>
    private static string Quote(string s) => "\"" + string.Concat(s.Select(c => char.IsControl(c) ? ' ' : c)) + "\"";
}
