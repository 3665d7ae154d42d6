using LLama;
using LLama.Common;
using LLama.Native;

namespace MLNet.Compression.Tests.Export.Gguf;

/// <summary>
/// A GGUF file run by llama.cpp through LLamaSharp (CPU backend): logits at every position of one sequence, and greedy
/// decoding. K/V cache in F32 (the default F16 cache would round every key and value), 2 threads.
/// </summary>
internal sealed class LlamaCpp : IDisposable
{
    private static readonly object Gate = new();
    private static bool _configured;
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;

    public LlamaCpp(string path, int contextSize = 128, int threads = 2)
    {
        lock (Gate)
        {
            if (!_configured)
            {
                // Keep llama.cpp's load log out of the test output; errors still reach stderr.
                NativeLibraryConfig.All.WithLogCallback((level, message) =>
                {
                    if (level == LLamaLogLevel.Error) Console.Error.Write(message);
                });
                _configured = true;
            }
        }
        var p = new ModelParams(path)
        {
            ContextSize = (uint)contextSize,
            BatchSize = (uint)contextSize,
            UBatchSize = (uint)contextSize,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            // llama.cpp's CPU flash attention rounds to fp16 inside (logits off by ~1e-2 on the fixtures); the plain path is fp32.
            FlashAttention = false,
        };
        _weights = LLamaWeights.LoadFromFile(p);
        _context = _weights.CreateContext(p);
    }

    public LLamaWeights Weights => _weights;

    public int VocabSize => _weights.Vocab.Count;

    /// <summary>[positions][vocab] logits of <paramref name="tokens"/> from position 0, all positions in one batch.</summary>
    public float[][] Logits(int[] tokens)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (int i = 0; i < tokens.Length; i++) batch.Add((LLamaToken)tokens[i], i, LLamaSeqId.Zero, logits: true);
        var rc = _context.NativeHandle.Decode(batch);
        if (rc != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {rc}.");
        var r = new float[tokens.Length][];
        for (int i = 0; i < tokens.Length; i++) r[i] = _context.NativeHandle.GetLogitsIth(i).ToArray();
        return r;
    }

    /// <summary>The prompt, then <paramref name="newTokens"/> argmax tokens decoded one at a time with the KV cache.</summary>
    public int[] Greedy(int[] prompt, int newTokens)
    {
        _context.NativeHandle.MemoryClear(true);
        var ids = new List<int>(prompt);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Length; i++) batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Length - 1);
        for (int step = 0; step < newTokens; step++)
        {
            var rc = _context.NativeHandle.Decode(batch);
            if (rc != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {rc}.");
            var logits = _context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            int next = 0;
            for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[next]) next = v;
            ids.Add(next);
            batch.Clear();
            batch.Add((LLamaToken)next, ids.Count - 1, LLamaSeqId.Zero, logits: true);
        }
        return ids.ToArray();
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
