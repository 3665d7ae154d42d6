using System.Text;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Llama;
using MLNet.Compression.Tensors;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>
/// A real trained llama2.c model (aidreams260K) through Llama2CCheckpoint: its wq/wk rows are permuted from llama2.c's
/// interleaved rotary pairs to HF's rotate_half halves, so the HF-style Llama forward must reproduce llama2.c's run.c.
/// </summary>
public class Llama2CTests(ITestOutputHelper output)
{
    private static string ModelPath => SharedData.Data("models", "aidreams260K", "aidreams260K.bin");
    private static string TokenizerPath => SharedData.Data("models", "aidreams260K", "tok512.bin");

    [Fact]
    public void Load_ReadsHeaderIntoLlamaConfig()
    {
        var model = Assert.IsType<LlamaForCausalLM>(ModelLoader.Load(ModelPath));
        var c = model.LlamaConfig;
        output.WriteLine($"dim {c.HiddenSize}, hidden {c.IntermediateSize}, layers {c.Layers}, heads {c.Heads}, kv heads {c.KvHeads}, vocab {c.VocabSize}, seq {c.MaxPositions}");
        Assert.Equal(64, c.HiddenSize);
        Assert.Equal(512, c.VocabSize);
        Assert.True(c.TieWordEmbeddings);
        Assert.Same(model.Linears[^1].Weight is DenseWeight d ? d.Value : null, model.OtherTensors[0].Value);
    }

    [Fact]
    public void Greedy_FromBos_IsFluentEnglish()
    {
        var model = ModelLoader.Load(ModelPath);
        var vocab = ReadTokenizer(TokenizerPath);
        var ids = GreedyGenerator.Generate(model, [1], 120);
        string text = Decode(vocab, ids);
        output.WriteLine(text);

        var words = text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim('.', ',', '!', '?', '"', '\'', ';', ':', '(', ')', '-'))
            .Where(w => w.Length > 0).ToArray();
        Assert.True(words.Length >= 30, $"only {words.Length} words generated: {text}");
        // Dictionary-like: letters (an apostrophe inside, as in don't) — no byte soup, digits or symbol runs.
        int wordLike = words.Count(w => w.All(ch => char.IsAsciiLetter(ch) || ch == '\''));
        Assert.True(wordLike >= 0.9 * words.Length, $"{wordLike} of {words.Length} words look like words: {text}");
        // Dictionary English: the whole-word entries of BERT's uncased WordPiece vocabulary (22k words), allowing a plural -s/-es.
        // Correct output scores about 0.93 here; the same model with the q/k permutation left out writes word salad
        // ("aligniterrandscrandscapections unfold, ... petallerisss sielves") and scores about 0.6.
        var dictionary = File.ReadLines(SharedData.Data("tokenizers", "bert-base-uncased", "vocab.txt"))
            .Where(l => l.Length > 0 && l.All(char.IsAsciiLetterLower)).ToHashSet(StringComparer.Ordinal);
        bool Known(string w) => dictionary.Contains(w) || (w.EndsWith('s') && dictionary.Contains(w[..^1])) || (w.EndsWith("es") && dictionary.Contains(w[..^2]));
        var unknown = words.Select(w => w.ToLowerInvariant()).Where(w => !Known(w)).ToArray();
        double known = 1 - (double)unknown.Length / words.Length;
        output.WriteLine($"{words.Length} words, {known:P0} in the dictionary; unknown: {string.Join(", ", unknown)}");
        Assert.True(known >= 0.8, $"only {known:P0} of the words are dictionary English: {text}");
        Assert.True(words.Max(w => w.Length) <= 15, $"a {words.Max(w => w.Length)}-letter word: {text}");
        // No degenerate loop: no word repeated three times in a row, and plenty of distinct words.
        for (int i = 2; i < words.Length; i++)
            Assert.False(words[i] == words[i - 1] && words[i] == words[i - 2], $"'{words[i]}' repeats: {text}");
        Assert.True(words.Distinct(StringComparer.OrdinalIgnoreCase).Count() >= 0.4 * words.Length, $"too few distinct words: {text}");
    }

    /// <summary>
    /// An independent run.c-style forward straight from the .bin (interleaved-pair RoPE, one token at a time with a KV cache)
    /// gives the same logits at every step as the converted HF-layout model, which proves the q/k row permutation.
    /// </summary>
    [Fact]
    public void Forward_MatchesRunCReference()
    {
        var model = ModelLoader.Load(ModelPath);
        var reference = new RunC(ModelPath);
        var seq = new List<int> { 1 };
        double worst = 0;
        for (int step = 0; step < 40; step++)
        {
            int pos = seq.Count - 1;
            float[] expected = reference.Forward(seq[^1], pos);
            var ids = seq.ToArray();
            var logits = model.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids)), new ForwardOptions { LogitPositions = [pos] }).Logits;
            for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - logits.Span[i]));
            Assert.Equal(TensorOps.ArgMax(expected), TensorOps.ArgMax(logits.ReadOnlySpan));
            seq.Add(TensorOps.ArgMax(expected));
        }
        output.WriteLine($"max |logit diff| vs run.c reference over 40 steps: {worst:E2}");
        Assert.True(worst < 1e-3, $"logits differ from the run.c reference by {worst}");
    }

    /// <summary>tok512.bin: int32 max_token_length, then per token float32 score, int32 length, bytes.</summary>
    private static byte[][] ReadTokenizer(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        r.ReadInt32();
        var pieces = new List<byte[]>();
        while (r.BaseStream.Position < r.BaseStream.Length)
        {
            r.ReadSingle();
            pieces.Add(r.ReadBytes(r.ReadInt32()));
        }
        return pieces.ToArray();
    }

    /// <summary>run.c's decode: a leading space after BOS is dropped; &lt;0xHH&gt; pieces are raw bytes.</summary>
    private static string Decode(byte[][] vocab, int[] ids)
    {
        var bytes = new List<byte>();
        for (int i = 1; i < ids.Length; i++)
        {
            var piece = vocab[ids[i]];
            string s = Encoding.ASCII.GetString(piece);
            if (ids[i - 1] == 1 && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            if (s.Length == 6 && s.StartsWith("<0x", StringComparison.Ordinal) && s.EndsWith('>'))
                bytes.Add(Convert.ToByte(s.Substring(3, 2), 16));
            else
                bytes.AddRange(piece);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>llama2.c's run.c forward(), transcribed in plain loops over the raw checkpoint (shared classifier).</summary>
    private sealed class RunC
    {
        private readonly int _dim, _hidden, _layers, _heads, _kvHeads, _vocab, _seqLen, _headSize, _kvDim;
        private readonly float[] _emb, _rmsAtt, _wq, _wk, _wv, _wo, _rmsFfn, _w1, _w2, _w3, _rmsFinal, _wcls;
        private readonly float[] _keyCache, _valueCache; // [layers, seqLen, kvDim]

        public RunC(string path)
        {
            using var r = new BinaryReader(File.OpenRead(path));
            _dim = r.ReadInt32(); _hidden = r.ReadInt32(); _layers = r.ReadInt32(); _heads = r.ReadInt32();
            _kvHeads = r.ReadInt32(); int v = r.ReadInt32(); _vocab = Math.Abs(v); _seqLen = r.ReadInt32();
            _headSize = _dim / _heads;
            _kvDim = _kvHeads * _headSize;
            float[] Read(int n)
            {
                var f = new float[n];
                Buffer.BlockCopy(r.ReadBytes(n * 4), 0, f, 0, n * 4);
                return f;
            }
            _emb = Read(_vocab * _dim);
            _rmsAtt = Read(_layers * _dim);
            _wq = Read(_layers * _dim * _dim);
            _wk = Read(_layers * _kvDim * _dim);
            _wv = Read(_layers * _kvDim * _dim);
            _wo = Read(_layers * _dim * _dim);
            _rmsFfn = Read(_layers * _dim);
            _w1 = Read(_layers * _hidden * _dim);
            _w2 = Read(_layers * _dim * _hidden);
            _w3 = Read(_layers * _hidden * _dim);
            _rmsFinal = Read(_dim);
            Read(_seqLen * _headSize); // freq_cis_real and freq_cis_imag, unused by run.c
            _wcls = v > 0 ? _emb : Read(_vocab * _dim);
            _keyCache = new float[_layers * _seqLen * _kvDim];
            _valueCache = new float[_layers * _seqLen * _kvDim];
        }

        private static void RmsNorm(float[] o, float[] x, float[] w, int wOff)
        {
            float ss = 0;
            for (int j = 0; j < x.Length; j++) ss += x[j] * x[j];
            ss = 1f / MathF.Sqrt(ss / x.Length + 1e-5f);
            for (int j = 0; j < x.Length; j++) o[j] = w[wOff + j] * (ss * x[j]);
        }

        /// <summary>xout[d] = W[d, n] · x[n], W at offset wOff.</summary>
        private static void MatMul(float[] xout, float[] x, float[] w, int wOff, int n, int d)
        {
            for (int i = 0; i < d; i++)
            {
                float val = 0;
                for (int j = 0; j < n; j++) val += w[wOff + i * n + j] * x[j];
                xout[i] = val;
            }
        }

        public float[] Forward(int token, int pos)
        {
            int dim = _dim, hs = _headSize, kvMul = _heads / _kvHeads;
            var x = _emb.AsSpan(token * dim, dim).ToArray();
            var xb = new float[dim];
            var xb2 = new float[dim];
            var q = new float[dim];
            var hb = new float[_hidden];
            var hb2 = new float[_hidden];
            var att = new float[_seqLen];
            for (int l = 0; l < _layers; l++)
            {
                RmsNorm(xb, x, _rmsAtt, l * dim);
                int cache = l * _seqLen * _kvDim + pos * _kvDim;
                var k = new float[_kvDim];
                var vv = new float[_kvDim];
                MatMul(q, xb, _wq, l * dim * dim, dim, dim);
                MatMul(k, xb, _wk, l * _kvDim * dim, dim, _kvDim);
                MatMul(vv, xb, _wv, l * _kvDim * dim, dim, _kvDim);
                // RoPE on interleaved pairs (i, i+1) of each head.
                for (int i = 0; i < dim; i += 2)
                {
                    int headDim = i % hs;
                    float freq = 1f / MathF.Pow(10000f, headDim / (float)hs);
                    float val = pos * freq, fcr = MathF.Cos(val), fci = MathF.Sin(val);
                    int rotn = i < _kvDim ? 2 : 1;
                    for (int which = 0; which < rotn; which++)
                    {
                        var vec = which == 0 ? q : k;
                        float v0 = vec[i], v1 = vec[i + 1];
                        vec[i] = v0 * fcr - v1 * fci;
                        vec[i + 1] = v0 * fci + v1 * fcr;
                    }
                }
                k.CopyTo(_keyCache, cache);
                vv.CopyTo(_valueCache, cache);
                for (int h = 0; h < _heads; h++)
                {
                    int kvh = h / kvMul;
                    for (int t = 0; t <= pos; t++)
                    {
                        int ko = l * _seqLen * _kvDim + t * _kvDim + kvh * hs;
                        float score = 0;
                        for (int i = 0; i < hs; i++) score += q[h * hs + i] * _keyCache[ko + i];
                        att[t] = score / MathF.Sqrt(hs);
                    }
                    TensorOps.SoftmaxRow(att.AsSpan(0, pos + 1));
                    for (int i = 0; i < hs; i++) xb[h * hs + i] = 0;
                    for (int t = 0; t <= pos; t++)
                    {
                        int vo = l * _seqLen * _kvDim + t * _kvDim + kvh * hs;
                        for (int i = 0; i < hs; i++) xb[h * hs + i] += att[t] * _valueCache[vo + i];
                    }
                }
                MatMul(xb2, xb, _wo, l * dim * dim, dim, dim);
                for (int i = 0; i < dim; i++) x[i] += xb2[i];
                RmsNorm(xb, x, _rmsFfn, l * dim);
                MatMul(hb, xb, _w1, l * _hidden * dim, dim, _hidden);
                MatMul(hb2, xb, _w3, l * _hidden * dim, dim, _hidden);
                for (int i = 0; i < _hidden; i++) hb[i] = hb[i] * (1f / (1f + MathF.Exp(-hb[i]))) * hb2[i];
                MatMul(xb, hb, _w2, l * dim * _hidden, _hidden, dim);
                for (int i = 0; i < dim; i++) x[i] += xb[i];
            }
            RmsNorm(x, (float[])x.Clone(), _rmsFinal, 0);
            var logits = new float[_vocab];
            MatMul(logits, x, _wcls, 0, dim, _vocab);
            return logits;
        }
    }
}
