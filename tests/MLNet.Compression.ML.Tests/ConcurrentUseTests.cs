using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Compression.ML.Tests;

/// <summary>
/// ML.NET reads a transformed view through several cursors on several threads (the splitter that trainers and
/// normalizers use), and a web app serves requests with one PredictionEngine per thread over one fitted model. Every
/// stage, on a freshly loaded model and tokenizer, gives the one-thread values there.
/// </summary>
public class ConcurrentUseTests
{
    [Fact]
    public void All_featurizers_read_through_a_parallel_cursor_set_equal_the_serial_values()
    {
        var ml = new MLContext(seed: 1);
        var texts = Enumerable.Range(0, 48).Select(i => Fixtures.Sentences[i % 4] + $" [MASK] {i}").ToArray();
        var data = Fixtures.Texts(ml, texts);

        IDataView Featurize()
        {
            var (model, tokenizer) = Fixtures.Load("bert_uncased_tiny");   // fresh: cold caches race on first use
            var lm = ml.Transforms.LanguageModel();
            return lm.Embed(model, tokenizer)
                .Append(lm.TokenIds(tokenizer))
                .Append(lm.LogLikelihood(model, tokenizer))
                .Append(lm.FillMask(model, tokenizer, topK: 5))
                .Fit(data).Transform(data);
        }

        string[] columns = ["Embedding", "LogLikelihood", "FilledScores"];
        var serial = Read(Featurize(), columns, cursors: 1);
        for (int round = 0; round < 3; round++)
        {
            var parallel = Read(Featurize(), columns, cursors: 4);
            Assert.Equal(texts.Length, parallel.Count);
            foreach (var (text, values) in serial)
                Assert.Equal(values, parallel[text]);
        }
    }

    public sealed class Scored
    {
        public float[] Embedding { get; set; } = [];
        public float LogLikelihood { get; set; }
    }

    [Fact]
    public void PredictionEngines_made_and_used_on_several_threads_at_once_equal_one_engine()
    {
        var ml = new MLContext(seed: 1);
        var texts = Enumerable.Range(0, 24).Select(i => Fixtures.Sentences[i % 3] + $" {i}").ToArray();
        var data = Fixtures.Texts(ml, texts);
        var (model, tokenizer) = Fixtures.Load("gpt2_tiny");
        var lm = ml.Transforms.LanguageModel();
        var fitted = lm.Embed(model, tokenizer).Append(lm.LogLikelihood(model, tokenizer)).Fit(data);

        var one = ml.Model.CreatePredictionEngine<TextOnly, Scored>(fitted);
        var expected = texts.Select(t => one.Predict(new TextOnly { Text = t })).Select(r => r.Embedding.Append(r.LogLikelihood).ToArray()).ToArray();

        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var start = new Barrier(4);
        var threads = Enumerable.Range(0, 4).Select(w => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                // PredictionEngine is not thread-safe: ML.NET's rule is one engine per thread over a shared transformer.
                var engine = ml.Model.CreatePredictionEngine<TextOnly, Scored>(fitted);
                for (int k = 0; k < texts.Length; k++)
                {
                    int i = (k + 7 * w) % texts.Length;
                    var r = engine.Predict(new TextOnly { Text = texts[i] });
                    if (!r.Embedding.Append(r.LogLikelihood).SequenceEqual(expected[i])) errors.Add($"thread {w}: text {i} differs");
                }
            }
            catch (Exception e) { errors.Add($"thread {w}: {e.GetType().Name}: {e.Message}"); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
    }

    /// <summary>Each row's values keyed by its text, read with <paramref name="cursors"/> cursors, one thread each.</summary>
    private static Dictionary<string, float[]> Read(IDataView view, string[] columns, int cursors)
    {
        var result = new System.Collections.Concurrent.ConcurrentDictionary<string, float[]>();
        var wanted = columns.Select(c => view.Schema[c]).Append(view.Schema["Text"]).ToArray();
        var set = view.GetRowCursorSet(wanted, cursors, new Random(1));
        Assert.Equal(cursors, set.Length);   // the splitter really hands out that many
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = set.Select(cursor => new Thread(() =>
        {
            try
            {
                var text = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Text"]);
                var getters = columns.Select(c => view.Schema[c].Type is VectorDataViewType
                    ? Vector(cursor.GetGetter<VBuffer<float>>(view.Schema[c]))
                    : Scalar(cursor.GetGetter<float>(view.Schema[c]))).ToArray();
                while (cursor.MoveNext())
                {
                    ReadOnlyMemory<char> t = default;
                    text(ref t);
                    result[t.ToString()] = getters.SelectMany(g => g()).ToArray();
                }
            }
            catch (Exception e) { errors.Add(e); }
            finally { cursor.Dispose(); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
        return new Dictionary<string, float[]>(result);
    }

    private static Func<float[]> Vector(ValueGetter<VBuffer<float>> getter) => () =>
    {
        VBuffer<float> v = default;
        getter(ref v);
        return v.DenseValues().ToArray();
    };

    private static Func<float[]> Scalar(ValueGetter<float> getter) => () =>
    {
        float x = 0;
        getter(ref x);
        return [x];
    };
}
