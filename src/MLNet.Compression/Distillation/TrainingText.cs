using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Training rows for distillation: each non-empty line of a text encoded as the teacher's tokenizer encodes model input
/// (with its special tokens, as calibration text is), cut to a length, and the tokens masked-LM corruption needs (the mask
/// token and the ids it never masks). Lines that encode to special tokens only are dropped.
/// </summary>
/// <param name="Rows">token ids, one row per kept line</param>
/// <param name="MaskTokenId">the mask token of masked and seq2seq teachers; null for causal ones</param>
/// <param name="SpecialIds">ids never masked; null for causal teachers</param>
/// <param name="Source">the file or column the rows came from, for messages</param>
public sealed record TrainingText(IReadOnlyList<int[]> Rows, int? MaskTokenId, IReadOnlySet<int>? SpecialIds, string Source)
{
    /// <summary>Tokens over every row.</summary>
    public long Tokens => Rows.Sum(r => (long)r.Length);

    /// <summary>
    /// Reads and encodes a UTF-8 text file, one training row per non-empty line. Every problem is named by
    /// <paramref name="option"/> and the file: a missing file, a folder, a file without text, ids outside the vocabulary.
    /// </summary>
    /// <param name="maxLength">tokens per row; longer rows are cut</param>
    public static TrainingText Load(string path, Tokenizer tokenizer, LanguageModel teacher, int maxLength, string option = "--text")
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option}: {path} is a folder (expected a UTF-8 text file, one training row per line).");
        if (!File.Exists(path)) throw new FileNotFoundException($"{option}: {path}: file not found (expected a UTF-8 text file, one training row per line).");
        var lines = File.ReadLines(path).Select((text, i) => (Line: i + 1, Text: text));
        return FromLines(lines, tokenizer, teacher, maxLength, $"{option}: {path}");
    }

    /// <summary>
    /// Encodes lines given in memory (a data column, a list of sentences); <paramref name="source"/> names them in messages
    /// and each line is reported by its 1-based <c>Line</c>.
    /// </summary>
    public static TrainingText FromLines(IEnumerable<(int Line, string Text)> lines, Tokenizer tokenizer, LanguageModel teacher, int maxLength, string source)
    {
        if (maxLength < 1) throw new ArgumentException($"{source}: rows of {maxLength} tokens (expected a positive length).");
        var (mask, special) = Masking(teacher, tokenizer, source);
        var rows = new List<int[]>();
        var specialIds = tokenizer.AllSpecialIds;
        bool anyText = false;
        foreach (var (line, text) in lines)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            anyText = true;
            var ids = tokenizer.Encode(text.Trim(), addSpecialTokens: true, truncation: true, maxLength: maxLength).Ids.ToArray();
            foreach (int id in ids)
                if (id < 0 || id >= teacher.VocabSize)
                    throw new InvalidDataException($"{source}: line {line} encodes to token id {id}, outside the teacher's vocabulary of {teacher.VocabSize}; is the tokenizer the model's own?");
            if (ids.Any(id => !specialIds.Contains(id))) rows.Add(ids);
        }
        if (!anyText) throw new InvalidDataException($"{source} has no text (expected UTF-8 text, one training row per non-empty line).");
        if (rows.Count == 0) throw new InvalidDataException($"{source} encodes to no tokens besides special ones with the teacher's tokenizer.");
        return new TrainingText(rows, mask, special, source);
    }

    /// <summary>The mask token and the ids never masked, for teachers trained by masking (masked LMs and seq2seq models).</summary>
    private static (int? MaskId, IReadOnlySet<int>? SpecialIds) Masking(LanguageModel teacher, Tokenizer tokenizer, string source)
    {
        if (teacher.Kind == ModelKind.CausalLM) return (null, null);
        // T5's tokenizer has no mask token; its denoising objective replaces spans by sentinels, the first of which stands in.
        int? mask = tokenizer.MaskTokenId ?? (teacher.Kind == ModelKind.Seq2SeqLM ? tokenizer.GetSentinelTokenId(0) : null);
        if (mask is null)
            throw new ArgumentException($"{source}: the teacher's tokenizer has no mask token; a {teacher.ModelType} ({teacher.Kind}) teacher is distilled on masked rows, which needs one.");
        if (mask < 0 || mask >= teacher.VocabSize)
            throw new ArgumentException($"{source}: the mask token of the teacher's tokenizer has id {mask}, outside the model's vocabulary of {teacher.VocabSize}.");
        return (mask, tokenizer.AllSpecialIds);
    }
}
