using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors.Autograd;
using MLNet.Compression.Training;

namespace MLNet.Compression.Tests.Training;

/// <summary>The loop as a whole: a tiny model learns a fixed batch, checkpoints resume bit-identically, bad checkpoints are named.</summary>
public class TrainingLoopTests
{
    internal static ConfigJson TinyConfig(string type) => ConfigJson.Parse(type switch
    {
        "bert" => """{"model_type":"bert","vocab_size":40,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":32,"max_position_embeddings":16,"type_vocab_size":2,"initializer_range":0.1}""",
        "gpt2" => """{"model_type":"gpt2","vocab_size":40,"n_embd":16,"n_layer":2,"n_head":2,"n_inner":32,"n_positions":16,"initializer_range":0.1}""",
        _ => """{"model_type":"llama","vocab_size":40,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":32,"max_position_embeddings":16,"initializer_range":0.1}""",
    }, $"tiny-{type}/config.json");

    /// <summary>Rows of a toy language: each row counts up from a start token, so every next token is predictable.</summary>
    internal static List<int[]> CountingRows(int rows = 12, int length = 10)
    {
        var list = new List<int[]>();
        for (int r = 0; r < rows; r++) list.Add(Enumerable.Range(0, length).Select(i => 5 + (r * 3 + i) % 30).ToArray());
        return list;
    }

    private static TrainingBatch Batch(string type, Trainer trainer, LanguageModelingBatches batches)
        => type == "bert" ? batches.MaskedLm(trainer.Random, maskTokenId: 4, vocabSize: 40, new HashSet<int> { 0, 1, 2, 3, 4 }) : batches.CausalLm(trainer.Random);

    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void LossOfTinyModelFallsOnAFixedBatch(string type)
    {
        var trainer = new Trainer(TrainableModel.Create(TinyConfig(type), seed: 3), new Trainer.Options
        {
            Optimizer = new AdamW.Options { LearningRate = 1e-2 },
            Schedule = ScheduleKind.Constant,
        });
        var batches = new LanguageModelingBatches(CountingRows(), padTokenId: 0, new LanguageModelingBatches.Options { BatchSize = 4, SequenceLength = 10, MaskProbability = 0.3 });
        var batch = Batch(type, trainer, batches);
        float first = trainer.Step(batch).Loss;
        float last = first;
        for (int i = 0; i < 60; i++) last = trainer.Step(batch).Loss;
        // A fixed batch is memorised: from ~ln(40) = 3.7 at the start to a small fraction of it.
        Assert.True(first > 3.0f, $"{type}: initial loss {first}");
        Assert.True(last < 0.25f * first, $"{type}: loss {first} → {last} after 60 steps");
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void ResumedRunContinuesBitIdentically(string type)
    {
        Trainer.Options Options() => new() { Optimizer = new AdamW.Options { LearningRate = 5e-3 }, WarmupSteps = 2, TotalSteps = 8, Schedule = ScheduleKind.Cosine, Seed = 11 };
        var rows = CountingRows();
        var batchOptions = new LanguageModelingBatches.Options { BatchSize = 3, SequenceLength = 8 };
        var batches = new LanguageModelingBatches(rows, 0, batchOptions);

        var straight = new Trainer(TrainableModel.Create(TinyConfig(type), seed: 5), Options());
        var losses = new List<float>();
        for (int i = 0; i < 8; i++) losses.Add(straight.Step(Batch(type, straight, batches)).Loss);

        var first = new Trainer(TrainableModel.Create(TinyConfig(type), seed: 5), Options());
        for (int i = 0; i < 4; i++) Assert.Equal(losses[i], first.Step(Batch(type, first, batches)).Loss);
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-train-{Guid.NewGuid():N}.safetensors");
        try
        {
            first.SaveCheckpoint(path);
            var resumed = Trainer.LoadCheckpoint(path);
            Assert.Equal(4, resumed.StepCount);
            for (int i = 4; i < 8; i++)
            {
                var s = resumed.Step(Batch(type, resumed, batches));
                Assert.Equal(i + 1, s.Step);
                Assert.Equal(BitConverter.SingleToInt32Bits(losses[i]), BitConverter.SingleToInt32Bits(s.Loss));
            }
            for (int p = 0; p < straight.Model.Parameters.Count; p++)
            {
                Assert.Equal(straight.Model.Parameters[p].Name, resumed.Model.Parameters[p].Name);
                Assert.True(straight.Model.Parameters[p].Value.ReadOnlySpan.SequenceEqual(resumed.Model.Parameters[p].Value.ReadOnlySpan), straight.Model.Parameters[p].Name);
                Assert.True(straight.Optimizer.ExpAvgSq[p].ReadOnlySpan.SequenceEqual(resumed.Optimizer.ExpAvgSq[p].ReadOnlySpan));
            }
            Assert.Equal(straight.Random.State, resumed.Random.State);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void CheckpointOfAnotherFormatIsRefusedWithTheFileAndKey()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-notckpt-{Guid.NewGuid():N}.safetensors");
        try
        {
            new SafeTensorsWriter().AddMetadata("format", "pt").Add("x", new float[] { 1 }, 1).Save(path);
            var e = Assert.Throws<CheckpointException>(() => Trainer.LoadCheckpoint(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("format", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainedModelFolderLoadsWithModelLoader()
    {
        var model = TrainableModel.Create(TinyConfig("llama"), seed: 1);
        string dir = Path.Combine(Path.GetTempPath(), $"mlnet-tiny-{Guid.NewGuid():N}");
        try
        {
            model.Save(dir);
            var loaded = ModelLoader.Load(dir);
            Assert.Equal(ModelKind.CausalLM, loaded.Kind);
            Assert.Equal(model.ParameterCount, loaded.ParameterCount());
            var again = TrainableModel.Load(dir);
            Assert.Equal(model.Parameters.Select(p => p.Name), again.Parameters.Select(p => p.Name));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void UnknownFamilyIsNamedInTheError()
    {
        var e = Assert.Throws<CheckpointException>(() => TrainableModel.Create(ConfigJson.Parse("""{"model_type":"mamba"}""", "x/config.json")));
        Assert.Contains("model_type", e.Message);
        Assert.Contains("mamba", e.Message);
    }
}
