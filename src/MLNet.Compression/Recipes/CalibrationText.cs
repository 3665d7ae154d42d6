using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Recipes;

/// <summary>
/// Calibration text: a plain UTF-8 file with one sample per line (blank lines skipped), each encoded with the model
/// folder's tokenizer with special tokens and truncated, then padded into batches (Wanda, SparseGPT and GPTQ used
/// 128 samples of C4; their repositories' data loaders cut fixed-length windows, here a line is a sample).
/// </summary>
public static class CalibrationText
{
    public static CalibrationData Load(RecipeCalibration options, Tokenizer tokenizer, LanguageModel model)
    {
        if (!File.Exists(options.File)) throw new FileNotFoundException($"{options.File}: no such calibration file.");
        var lines = File.ReadLines(options.File).Select((text, i) => (Line: i + 1, Text: text));
        return FromLines(lines, options, tokenizer, model, options.File);
    }

    /// <summary>
    /// Calibration samples from lines given in memory (a data column, a list of sentences), read as <see cref="Load"/>
    /// reads a file: the first <see cref="RecipeCalibration.Samples"/> non-blank lines (<see cref="RecipeCalibration.File"/>
    /// is not read). <paramref name="source"/> names the lines in messages, each line by its 1-based <c>Line</c>.
    /// </summary>
    public static CalibrationData FromLines(IEnumerable<(int Line, string Text)> lines, RecipeCalibration options, Tokenizer tokenizer, LanguageModel model, string source)
    {
        int maxLength = Math.Min(options.MaxLength, model.MaxPositions ?? int.MaxValue);
        var samples = new List<int[]>();
        foreach (var (line, text) in lines)
        {
            if (samples.Count == options.Samples) break;
            if (string.IsNullOrWhiteSpace(text)) continue;
            var ids = tokenizer.Encode(text.Trim(), addSpecialTokens: true, truncation: true, maxLength: maxLength).Ids;
            if (ids.Count == 0) throw new InvalidDataException($"{source}: line {line} encodes to no token.");
            samples.Add([.. ids]);
        }
        if (samples.Count == 0) throw new InvalidDataException($"{source}: no sample; calibration text has one sample per line.");
        int pad = tokenizer.PadTokenId ?? model.Generation.PadTokenId ?? 0;
        return CalibrationData.FromSequences(samples, options.BatchSize, seq2seq: model.Kind == ModelKind.Seq2SeqLM, padId: pad);
    }
}
