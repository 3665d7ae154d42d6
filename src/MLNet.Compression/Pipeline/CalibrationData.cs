using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// Token batches that calibration-based methods (Wanda, SparseGPT, GPTQ, OWL) run through the model to see real activations.
/// </summary>
public sealed class CalibrationData
{
    public CalibrationData(IReadOnlyList<ModelInput> batches)
    {
        if (batches.Count == 0) throw new ArgumentException("calibration data needs at least one batch.");
        Batches = batches;
    }

    public IReadOnlyList<ModelInput> Batches { get; }

    /// <summary>Sequences of token ids, each its own batch row; for seq2seq models the same ids feed the decoder.</summary>
    public static CalibrationData FromSequences(IEnumerable<int[]> sequences, int batchSize = 8, bool seq2seq = false, int padId = 0)
    {
        var rows = sequences.ToList();
        var batches = new List<ModelInput>();
        for (int i = 0; i < rows.Count; i += batchSize)
        {
            var tokens = TokenBatch.FromRows(rows.GetRange(i, Math.Min(batchSize, rows.Count - i)), padId);
            batches.Add(seq2seq ? new ModelInput(tokens, Decoder: tokens) : new ModelInput(tokens));
        }
        return new CalibrationData(batches);
    }

    /// <summary>
    /// Runs every batch through <paramref name="model"/> while <paramref name="observe"/> sees each input of the chosen layers
    /// ([rows, in], padding rows removed so statistics come from real tokens only).
    /// </summary>
    public void Capture(LanguageModel model, IReadOnlyCollection<Linear> layers, Action<Linear, ReadOnlySpan<float>, int> observe)
    {
        var chosen = new HashSet<Linear>(layers);
        int[]? currentMask = null;
        void Observer(Linear l, Tensor x)
        {
            int inF = l.InFeatures, rows = x.Length / inF;
            // Inputs from the encoder side or the decoder side have the mask of their own tokens; use it when the row count fits.
            if (currentMask is not null && currentMask.Length == rows && Array.IndexOf(currentMask, 0) >= 0)
            {
                var kept = new List<float>(x.Length);
                for (int r = 0; r < rows; r++) if (currentMask[r] != 0) kept.AddRange(x.ReadOnlySpan.Slice(r * inF, inF));
                observe(l, kept.ToArray(), kept.Count / inF);
            }
            else observe(l, x.ReadOnlySpan, rows);
        }
        foreach (var l in chosen) l.InputObserver = Observer;
        try
        {
            foreach (var batch in Batches)
            {
                currentMask = batch.Tokens.Mask;
                model.Forward(batch, new ForwardOptions { LogitPositions = [0] });
            }
        }
        finally
        {
            foreach (var l in chosen) l.InputObserver = null;
        }
    }
}
