using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>Every fixture folder against the logits, hidden states and greedy continuations Hugging Face produced.</summary>
public class ModelParityTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Architectures() => ReferenceFixture.AllArchitectures();

    /// <summary>The fixtures that carry Hugging Face's greedy sequences (the decoders and seq2seq models; masked LMs do not generate).</summary>
    public static IEnumerable<object[]> GenerativeArchitectures()
        => Architectures().Where(a =>
        {
            using var fx = new ReferenceFixture((string)a[0]);
            return fx.Has("greedy_sequences");
        }).ToList();

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Forward_MatchesHuggingFaceLogitsAndHiddenStates(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        var model = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var result = model.Forward(input, new ForwardOptions { OutputHiddenStates = true });
        bool seq2seq = model.Kind == ModelKind.Seq2SeqLM;
        int[] logitMask = seq2seq ? input.Decoder!.Mask : input.Tokens.Mask;

        if (fx.Has("logits"))
        {
            double d = TensorAssert.CloseAtMask($"{arch} logits", fx.Float("logits"), result.Logits, logitMask);
            output.WriteLine($"{arch} logits max |diff| {d:E2}");
        }
        else
        {
            CompareTopK(fx, arch, result.Logits, logitMask);
        }

        void Hidden(string prefix, IReadOnlyList<Tensor> states, int[] mask)
        {
            for (int i = 0; fx.Has($"{prefix}.{i}"); i++)
            {
                Assert.True(i < states.Count, $"{arch}: the model returned {states.Count} {prefix}, the reference has more.");
                double d = TensorAssert.CloseAtMask($"{arch} {prefix}.{i}", fx.Float($"{prefix}.{i}"), states[i], mask);
                output.WriteLine($"{arch} {prefix}.{i} max |diff| {d:E2}");
            }
        }
        if (seq2seq)
        {
            Hidden("encoder_hidden_states", result.EncoderHiddenStates, input.Tokens.Mask);
            Hidden("decoder_hidden_states", result.DecoderHiddenStates, input.Decoder!.Mask);
        }
        else
        {
            Hidden("hidden_states", result.HiddenStates, input.Tokens.Mask);
        }
    }

    /// <summary>*_tiny fixtures store top-10 logits everywhere and the full vocabulary at one position per row.</summary>
    private void CompareTopK(ReferenceFixture fx, string arch, Tensor logits, int[] mask)
    {
        int vocab = logits.Dim(-1);
        var ids = fx.Ints("top10_ids");
        var expected = fx.Float("top10_logits");
        var gathered = Tensor.Zeros(expected.Shape);
        for (int i = 0; i < ids.Length; i++) gathered.Span[i] = logits.Span[(i / 10) * vocab + ids[i]];
        double d = TensorAssert.CloseAtMask($"{arch} top10 logits", expected, gathered, mask);
        string full = fx.Has("logits_at_mask") ? "logits_at_mask" : fx.Has("logits_at_last") ? "logits_at_last" : fx.Has("logits_at_position") ? "logits_at_position" : "";
        string posName = fx.Has("mask_positions") ? "mask_positions" : fx.Has("last_positions") ? "last_positions" : "";
        if (full.Length > 0 && posName.Length > 0)
        {
            var pos = fx.Ints(posName);
            int seq = logits.Dim(1);
            var rows = Tensor.Zeros(pos.Length, vocab);
            for (int b = 0; b < pos.Length; b++) logits.ReadOnlySpan.Slice((b * seq + pos[b]) * vocab, vocab).CopyTo(rows.Span.Slice(b * vocab, vocab));
            d = Math.Max(d, TensorAssert.CloseAtMask($"{arch} {full}", fx.Float(full), rows, null));
        }
        output.WriteLine($"{arch} logits max |diff| {d:E2}");
    }

    [Theory]
    [MemberData(nameof(GenerativeArchitectures))]
    public void Greedy_MatchesHuggingFaceGenerate(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        var model = ModelLoader.Load(fx.Folder);
        var expected = fx.Ints("greedy_sequences");
        var input = fx.Input();
        int[] prompt = input.Tokens.Row(0).Where((_, t) => input.Tokens.Mask[t] == 1).ToArray();
        int promptLen = model.Kind == ModelKind.Seq2SeqLM ? 1 : prompt.Length;
        var produced = GreedyGenerator.Generate(model, prompt, expected.Length - promptLen);
        Assert.Equal(expected, produced);
    }
}
