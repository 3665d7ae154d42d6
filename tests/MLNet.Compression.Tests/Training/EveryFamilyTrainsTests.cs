using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;
using MLNet.Compression.Training;

namespace MLNet.Compression.Tests.Training;

/// <summary>
/// Every family trains through its one inference definition: on each fixture checkpoint (../shared/fixtures/models, whose
/// inference forward matches Hugging Face) the forward recorded on the tape equals the inference forward, the tape's
/// gradients agree with central finite differences of the loss along random directions of every parameter tensor, the
/// loss falls on a fixed batch, and a checkpointed run resumes bit-identically.
/// </summary>
public class EveryFamilyTrainsTests
{
    public static TheoryData<string> Fixtures() => new()
    {
        "bert", "roberta", "distilbert", "albert", "gpt2", "gpt_neox", "opt", "llama", "t5", "t5_v1_1", "bart",
    };

    private static TrainableModel Load(string fixture) => TrainableModel.Load(SharedData.Fixture("models", fixture));

    /// <summary>
    /// A batch of two rows of eight tokens, the second with its last two tokens padded. Masked LMs get labels on every
    /// third real token, causal LMs on every real token, seq2seq LMs six decoder targets per row.
    /// </summary>
    internal static TrainingBatch FixedBatch(LanguageModel model, int seed = 7)
    {
        const int batch = 2, length = 8;
        var rng = new Random(seed);
        int vocab = model.VocabSize;
        var ids = new int[batch * length];
        var mask = new int[batch * length];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = 5 + rng.Next(vocab - 5);
            mask[i] = i >= 2 * length - 2 ? 0 : 1;
        }
        int pad = model.Generation.PadTokenId ?? 0;
        for (int i = 0; i < ids.Length; i++) if (mask[i] == 0) ids[i] = pad;
        if (model.Kind == ModelKind.Seq2SeqLM)
        {
            const int labelLength = 6;
            var targets = new int[batch * labelLength];
            for (int i = 0; i < targets.Length; i++) targets[i] = i == targets.Length - 1 ? Tape.IgnoreIndex : 5 + rng.Next(vocab - 5);
            return new TrainingBatch { Batch = batch, Length = length, InputIds = ids, AttentionMask = mask, Labels = targets, LabelLength = labelLength };
        }
        var labels = new int[ids.Length];
        for (int i = 0; i < ids.Length; i++)
            labels[i] = mask[i] == 0 ? Tape.IgnoreIndex : model.Kind == ModelKind.CausalLM || i % 3 == 0 ? ids[i] : Tape.IgnoreIndex;
        return new TrainingBatch { Batch = batch, Length = length, InputIds = ids, AttentionMask = mask, Labels = labels };
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void RecordedForwardEqualsTheInferenceForward(string fixture)
    {
        var trainable = Load(fixture);
        var inference = ModelLoader.Load(SharedData.Fixture("models", fixture));
        var (input, _) = trainable.LabelledInput(FixedBatch(inference));
        var options = new ForwardOptions { OutputHiddenStates = true };
        var expected = inference.Forward(input, options);
        var tape = new Tape();
        var actual = trainable.Forward(tape, input, options);
        Assert.Equal(expected.Logits.Shape, actual.Logits.Shape);
        AssertClose(expected.Logits, actual.Logits, $"{fixture} logits");
        Assert.NotNull(actual.LastHiddenState);
        AssertClose(expected.LastHiddenState!, actual.LastHiddenState!, $"{fixture} last hidden state");
        // The recorded values are tape variables a loss can be built on.
        Assert.Same(actual.Logits, tape.Of(actual.Logits).Value);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void GradientsMatchFiniteDifferencesAlongEveryParameter(string fixture)
    {
        var model = Load(fixture);
        var batch = FixedBatch(model.Model);
        var tape = new Tape();
        model.ZeroGrad();
        var loss = model.Loss(tape, batch);
        tape.Backward(loss);
        tape.Reset();
        var rng = new Random(3);
        int reached = 0;
        foreach (var p in model.Parameters)
        {
            // A random unit direction over this parameter's elements; the loss is float32, so the step is 1e-2 along it
            // (rounding error ≈ 1e-7·L / 1e-2, truncation ≈ 1e-4·L''').
            var v = new float[p.Value.Length];
            double norm = 0;
            for (int i = 0; i < v.Length; i++) { v[i] = (float)Normal(rng); norm += (double)v[i] * v[i]; }
            for (int i = 0; i < v.Length; i++) v[i] = (float)(v[i] / Math.Sqrt(norm));
            double analytic = 0;
            if (p.Grad is { } g) for (int i = 0; i < v.Length; i++) analytic += (double)g.ReadOnlySpan[i] * v[i];
            const float eps = 1e-2f;
            double plus = LossAt(model, batch, p, v, eps), minus = LossAt(model, batch, p, v, -eps);
            double numeric = (plus - minus) / (2 * eps);
            Assert.True(Math.Abs(numeric - analytic) <= 2e-3 + 3e-2 * Math.Abs(numeric),
                $"{fixture} {p.Name}: tape gives {analytic:G6} along a random direction, finite differences {numeric:G6}");
            if (Math.Abs(numeric) > 1e-3) reached++;
        }
        // The check means something only if most parameters move the loss measurably.
        Assert.True(reached > model.Parameters.Count / 2, $"{fixture}: only {reached} of {model.Parameters.Count} parameters move the loss");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void LossFallsOnAFixedBatch(string fixture)
    {
        var trainer = new Trainer(Load(fixture), new Trainer.Options
        {
            Optimizer = new AdamW.Options { LearningRate = 1e-2 },
            Schedule = ScheduleKind.Constant,
        });
        var batch = FixedBatch(trainer.Model.Model);
        float first = trainer.Step(batch).Loss, last = first;
        for (int i = 0; i < 30; i++) last = trainer.Step(batch).Loss;
        Assert.True(last < 0.5f * first, $"{fixture}: loss {first} → {last} after 30 steps on one batch");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void CheckpointedRunResumesBitIdentically(string fixture)
    {
        Trainer.Options Options() => new() { Optimizer = new AdamW.Options { LearningRate = 3e-3 }, WarmupSteps = 1, TotalSteps = 6, Seed = 5 };
        var straight = new Trainer(Load(fixture), Options());
        var batch = FixedBatch(straight.Model.Model);
        var losses = Enumerable.Range(0, 6).Select(_ => straight.Step(batch).Loss).ToList();

        var first = new Trainer(Load(fixture), Options());
        for (int i = 0; i < 3; i++) Assert.Equal(losses[i], first.Step(batch).Loss);
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-resume-{fixture}-{Guid.NewGuid():N}.safetensors");
        try
        {
            first.SaveCheckpoint(path);
            var resumed = Trainer.LoadCheckpoint(path);
            for (int i = 3; i < 6; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(losses[i]), BitConverter.SingleToInt32Bits(resumed.Step(batch).Loss));
            Assert.Equal(straight.Model.Parameters.Select(p => p.Name), resumed.Model.Parameters.Select(p => p.Name));
            for (int p = 0; p < straight.Model.Parameters.Count; p++)
                Assert.True(straight.Model.Parameters[p].Value.ReadOnlySpan.SequenceEqual(resumed.Model.Parameters[p].Value.ReadOnlySpan), straight.Model.Parameters[p].Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The loss with parameter <paramref name="p"/> moved by step·v, then restored.</summary>
    private static double LossAt(TrainableModel model, TrainingBatch batch, Variable p, float[] v, float step)
    {
        var saved = p.Value.Span.ToArray();
        var s = p.Value.Span;
        for (int i = 0; i < v.Length; i++) s[i] += step * v[i];
        try
        {
            var tape = new Tape();
            return model.Loss(tape, batch).Value.Span[0];
        }
        finally
        {
            saved.CopyTo(p.Value.Span);
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        var e = expected.ReadOnlySpan;
        var a = actual.ReadOnlySpan;
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 + 1e-4 * Math.Abs(e[i]), $"{what}[{i}]: inference {e[i]}, recorded {a[i]}");
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
