using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>
/// One tokenizer shared by many threads, as ML.NET's cursor splitter uses it: every answer equals the one-thread answer
/// and nothing throws (the special-id cache once corrupted a plain Dictionary under concurrent first use).
/// </summary>
public class ConcurrentUseTests
{
    [Theory]
    [InlineData("bert-base-uncased")]
    [InlineData("gpt2")]
    [InlineData("roberta-base")]
    [InlineData("t5")]
    public void Fresh_tokenizer_used_from_many_threads_gives_the_one_thread_answers(string name)
    {
        string[] texts = ["The capital of France is Paris.", "Women don't know how to drive.", "naïve café — 42!", "He is a [MASK] doctor."];
        var reference = TokenizerFixtures.Real(name);
        var expected = texts.Select(t => reference.EncodeToIds(t)).ToArray();
        var specials = Specials(reference);

        // Threads released together by a barrier on a fresh tokenizer each round, so their first uses race on empty caches.
        const int threads = 4;
        for (int round = 0; round < 60; round++)
        {
            var shared = TokenizerFixtures.LoadReal(name);
            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(w => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    if (!Specials(shared).SequenceEqual(specials)) failures.Add($"special ids differ on thread {w}");
                    int k = w % texts.Length;
                    if (!shared.EncodeToIds(texts[k]).SequenceEqual(expected[k])) failures.Add($"ids of text {k} differ");
                }
                catch (Exception e) { failures.Add($"thread {w}: {e.GetType().Name}: {e.Message}"); }
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            Assert.Empty(failures);
        }
    }

    private static int?[] Specials(Tokenizer t) =>
        [t.MaskTokenId, t.BosTokenId, t.EosTokenId, t.PadTokenId, t.UnkTokenId, t.SepTokenId, t.ClsTokenId];
}
