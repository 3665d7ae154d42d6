using System.Diagnostics;
using MLNet.Compression.IO;
using MLNet.Compression.Tensors;
using MLNet.Compression.Training;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Training throughput (`-- train [steps]`): full steps (forward, backward, clip, AdamW) of small models shaped like the
/// demo's — hidden 128, 4 layers, 4 heads, FFN 512, vocabulary 4096 — on batches of 16 rows × 64 tokens drawn from random
/// token rows. Reports the median step time of the timed steps after 3 warm-ups, and tokens per second
/// (batch × length / step time: every position is run forward and backward, whether or not it carries a loss).
/// </summary>
public static class TrainBench
{
    private const string Bert = """{"model_type":"bert","vocab_size":4096,"hidden_size":128,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":512,"max_position_embeddings":128,"type_vocab_size":2}""";
    private const string Gpt2 = """{"model_type":"gpt2","vocab_size":4096,"n_embd":128,"n_layer":4,"n_head":4,"n_inner":512,"n_positions":128}""";
    private const string Llama = """{"model_type":"llama","vocab_size":4096,"hidden_size":128,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":344,"max_position_embeddings":128}""";

    public static void Run(string[] args)
    {
        int steps = args.Length > 0 && int.TryParse(args[0], out int s) ? s : 20;
        const int Batch = 16, Length = 64, Warmups = 3;
        Console.WriteLine($"threads: {Environment.ProcessorCount}, GEMM kernel: {Gemm.KernelName}, batch {Batch} × {Length} tokens, median of {steps} steps after {Warmups} warm-ups");
        var rng = new Random(5);
        var rows = Enumerable.Range(0, 512).Select(_ => Enumerable.Range(0, Length).Select(_ => 5 + rng.Next(4000)).ToArray()).ToList();
        var batches = new LanguageModelingBatches(rows, 0, new LanguageModelingBatches.Options { BatchSize = Batch, SequenceLength = Length });
        var special = new HashSet<int> { 0, 1, 2, 3, 4 };
        foreach (var (name, json) in new[] { ("bert (masked LM)", Bert), ("gpt2 (causal LM)", Gpt2), ("llama (causal LM, GQA)", Llama) })
        {
            var model = TrainableModel.Create(ConfigJson.Parse(json, name), seed: 1);
            var trainer = new Trainer(model, new Trainer.Options { TotalSteps = steps + Warmups });
            bool masked = model.Kind == Modeling.ModelKind.MaskedLM;
            var times = new List<double>();
            float loss = 0;
            long allocated = 0;
            for (int i = 0; i < Warmups + steps; i++)
            {
                var batch = masked ? batches.MaskedLm(trainer.Random, 4, 4096, special) : batches.CausalLm(trainer.Random);
                if (i == Warmups) allocated = GC.GetTotalAllocatedBytes(true);
                var sw = Stopwatch.StartNew();
                loss = trainer.Step(batch).Loss;
                sw.Stop();
                if (i >= Warmups) times.Add(sw.Elapsed.TotalMilliseconds);
            }
            allocated = GC.GetTotalAllocatedBytes(true) - allocated;
            var last = masked ? batches.MaskedLm(trainer.Random, 4, 4096, special) : batches.CausalLm(trainer.Random);
            var forward = new List<double>();
            for (int i = 0; i < 5; i++) { var sw = Stopwatch.StartNew(); trainer.Evaluate(last); forward.Add(sw.Elapsed.TotalMilliseconds); }
            forward.Sort();
            times.Sort();
            double median = times[times.Count / 2];
            Console.WriteLine($"{name,-24} {model.ParameterCount,10:N0} params  step {median,7:F1} ms (min {times[0]:F1}, forward alone {forward[2]:F1})  " +
                $"{Batch * Length / (median / 1000),8:N0} tokens/s  loss {loss:F3}  alloc/step {allocated / steps / 1048576.0:F1} MiB");
        }
    }
}
