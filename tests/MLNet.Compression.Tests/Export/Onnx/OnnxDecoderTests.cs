using Microsoft.ML.OnnxRuntime;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Export.Onnx;

/// <summary>The decoder families exported with a key/value cache give this engine's logits, in one pass and step by step.</summary>
public class OnnxDecoderTests
{
    /// <summary>Inputs of one call: tokens [2, seq] with their mask over past + seq, positions past.. and the pasts.</summary>
    internal static List<NamedOnnxValue> DecoderInputs(InferenceSession session, TokenBatch tokens, int[] fullMask, int past,
        IReadOnlyDictionary<string, (float[] Values, int[] Shape)>? presents)
    {
        int batch = tokens.Batch, seq = tokens.Length;
        var inputs = new List<NamedOnnxValue>
        {
            OnnxTestKit.Longs("input_ids", tokens.Ids, batch, seq),
            OnnxTestKit.Longs("attention_mask", fullMask, batch, past + seq),
        };
        if (session.InputMetadata.ContainsKey("position_ids"))
            inputs.Add(OnnxTestKit.Longs("position_ids", Positions.Arange(batch, seq, past), batch, seq));
        foreach (var (name, meta) in session.InputMetadata.Where(kv => kv.Key.StartsWith("past_key_values.", StringComparison.Ordinal)))
        {
            if (presents is null)
            {
                int kv = meta.Dimensions[1], d = meta.Dimensions[3];
                inputs.Add(OnnxTestKit.Floats(name, [], batch, kv, 0, d));
                continue;
            }
            var (values, shape) = presents[name.Replace("past_key_values.", "present.", StringComparison.Ordinal)];
            inputs.Add(OnnxTestKit.Floats(name, values, shape));
        }
        return inputs;
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("gpt_neox")]
    [InlineData("opt")]
    [InlineData("llama")]
    public void CausalLM_Float32_LogitsMatchTheEngine_OnAPaddedBatchOfTwo(string fixture)
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture(fixture);
        var tokens = OnnxTestKit.PaddedBatch(model.VocabSize, 7, 3, model.Generation.PadTokenId ?? 0, seed: 21);
        var expected = model.Forward(new ModelInput(tokens)).Logits;

        var (session, report) = kit.Export(model, fixture);
        using var _ = session;
        var outputs = OnnxTestKit.Run(session, DecoderInputs(session, tokens, tokens.Mask, 0, null));

        Assert.Equal([2, 7, model.VocabSize], outputs["logits"].Shape);
        OnnxTestKit.AssertClose(expected.ReadOnlySpan, outputs["logits"].Values, OnnxEncoderTests.Float32Tolerance, fixture);
        Assert.Equal(2 * model.LayerCount, outputs.Keys.Count(k => k.StartsWith("present.", StringComparison.Ordinal)));
        Assert.Equal(7, outputs["present.0.key"].Shape[2]);
        Assert.Equal(fixture != "opt", session.InputMetadata.ContainsKey("position_ids"));
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("gpt_neox")]
    [InlineData("opt")]
    [InlineData("llama")]
    public void CausalLM_PromptThenTwoStepsThroughPresentAsPast_MatchesTheEnginesFullForward(string fixture)
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture(fixture);
        var all = OnnxTestKit.PaddedBatch(model.VocabSize, 7, 0, model.Generation.PadTokenId ?? 0, seed: 8); // [2, 7], no padding
        var expected = model.Forward(new ModelInput(all)).Logits; // [2, 7, vocab]
        int vocab = model.VocabSize;
        var (session, _) = kit.Export(model, fixture);
        using var _s = session;

        TokenBatch Slice(int from, int count)
        {
            var ids = new int[2 * count];
            for (int b = 0; b < 2; b++) Array.Copy(all.Ids, b * 7 + from, ids, b * count, count);
            return new TokenBatch(2, count, ids);
        }
        int[] Ones(int n) => Enumerable.Repeat(1, 2 * n).ToArray();

        var state = OnnxTestKit.Run(session, DecoderInputs(session, Slice(0, 5), Ones(5), 0, null));
        for (int past = 5; past < 7; past++)
        {
            var presents = state;
            state = OnnxTestKit.Run(session, DecoderInputs(session, Slice(past, 1), Ones(past + 1), past, presents));
            Assert.Equal(past + 1, state["present.0.key"].Shape[2]);
            for (int b = 0; b < 2; b++)
                OnnxTestKit.AssertClose(expected.ReadOnlySpan.Slice((b * 7 + past) * vocab, vocab), state["logits"].Values.AsSpan(b * vocab, vocab),
                    OnnxEncoderTests.Float32Tolerance, $"{fixture} row {b} position {past}");
        }
    }
}
