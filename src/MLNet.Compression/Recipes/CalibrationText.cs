using MLNet.Compression.Pipeline;
using MLNet.Compression.Modeling;
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
        int maxLength = Math.Min(options.MaxLength, model.MaxPositions ?? int.MaxValue);
        var samples = new List<int[]>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(options.File))
        {
            lineNo++;
            if (samples.Count == options.Samples) break;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var ids = tokenizer.Encode(line.Trim(), addSpecialTokens: true, truncation: true, maxLength: maxLength).Ids;
            if (ids.Count == 0) throw new InvalidDataException($"{options.File}: line {lineNo} encodes to no token.");
            samples.Add([.. ids]);
        }
        if (samples.Count == 0) throw new InvalidDataException($"{options.File}: no sample; calibration text has one sample per line.");
        int pad = tokenizer.PadTokenId ?? model.Generation.PadTokenId ?? 0;
        return CalibrationData.FromSequences(samples, options.BatchSize, seq2seq: model.Kind == ModelKind.Seq2SeqLM, padId: pad);
    }
}
