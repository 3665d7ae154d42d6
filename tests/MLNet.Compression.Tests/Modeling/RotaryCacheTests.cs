using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>
/// The key/value cache of the rotary families (GPT-NeoX, Llama incl. grouped-query heads and llama2.c): keys are cached
/// after rotation and new tokens are numbered from the cache's length, so running a sequence in pieces gives the logits
/// of one full forward, and greedy decoding with the cache gives the tokens of recomputing the prefix at every step.
/// </summary>
public class RotaryCacheTests
{
    [Theory]
    [InlineData("gpt_neox", 4)]
    [InlineData("llama", 3)]
    public void ForwardCached_InPieces_MatchesOneForward_WithPadding(string arch, int split)
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", arch));
        Assert.NotNull(model.CreateCache());
        CausalCacheCheck.PiecesMatchWhole(model, Gpt2Tests.Fixture(arch), split);
    }

    [Fact]
    public void ForwardCached_OneTokenAtATime_MatchesOneForward()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "llama"));
        var input = Gpt2Tests.Fixture("llama");
        // Row 0 alone, fed token by token: every step is a one-token pass over a growing cache.
        int len = input.Tokens.Length;
        var ids = input.Tokens.Ids.AsSpan(0, len).ToArray();
        var whole = model.Forward(new ModelInput(new TokenBatch(1, len, ids))).Logits; // [1, len, vocab]
        var cache = model.CreateCache()!;
        int vocab = model.VocabSize;
        for (int t = 0; t < len; t++)
        {
            var step = model.ForwardCached(new ModelInput(new TokenBatch(1, 1, [ids[t]])), cache).Logits; // [1, 1, vocab]
            for (int i = 0; i < vocab; i++)
                Assert.True(Math.Abs(step.ReadOnlySpan[i] - whole.ReadOnlySpan[t * vocab + i]) <= 1e-5 + 1e-5 * Math.Abs(whole.ReadOnlySpan[t * vocab + i]),
                    $"position {t} logit {i}: {step.ReadOnlySpan[i]} vs {whole.ReadOnlySpan[t * vocab + i]}");
        }
    }

    [Theory]
    [InlineData("gpt_neox")]
    [InlineData("llama")]
    [InlineData("aidreams260K")]
    public void Greedy_WithCache_EqualsRecomputingThePrefixEachStep(string name)
    {
        var model = name == "aidreams260K" ? ModelLoader.Load(SharedData.Data("models", name, name + ".bin")) : ModelLoader.Load(SharedData.Fixture("models", name));
        int[] prompt = name == "aidreams260K" ? [1, 403, 407, 261] : [3, 1, 4, 1, 5];
        var cached = GreedyGenerator.Generate(model, prompt, 24);
        var seq = new List<int>(prompt);
        while (seq.Count < cached.Length)
        {
            var logits = model.Forward(new ModelInput(new TokenBatch(1, seq.Count, seq.ToArray())), new ForwardOptions { LogitPositions = [seq.Count - 1] }).Logits;
            seq.Add(TensorOps.ArgMax(logits.ReadOnlySpan));
        }
        Assert.Equal(seq.ToArray(), cached);
    }
}
