using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLNet.Compression.Distillation;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Distillation;

/// <summary>
/// Teachers for the student tests (the fixture checkpoints, two layers each, and random deeper ones of the same shapes)
/// and the tests' own statement of each family's layer keys and count fields, written out independently of the builder.
/// </summary>
internal static class StudentFixtures
{
    public static readonly string[] Families = ["bert", "roberta", "distilbert", "albert", "gpt2", "gpt_neox", "opt", "llama", "t5", "bart"];

    public static TheoryData<string> FamilyData() => new(Families);

    /// <summary>The fixture families plus T5 v1.1 (gated FFN, untied head).</summary>
    public static TheoryData<string> FixtureData() => new([.. Families, "t5_v1_1"]);

    /// <summary>The config.json fields holding each fixture's layer count(s).</summary>
    public static string[] CountFields(string arch) => arch switch
    {
        "bert" or "roberta" or "albert" or "gpt_neox" or "opt" or "llama" => ["num_hidden_layers"],
        "distilbert" => ["n_layers"],
        "gpt2" => ["n_layer"],
        "t5" or "t5_v1_1" => ["num_layers", "num_decoder_layers"],
        "bart" => ["encoder_layers", "decoder_layers", "num_hidden_layers"],
        _ => throw new ArgumentException(arch),
    };

    /// <summary>The key prefixes "…{i}." of each family's layer stacks; ALBERT's shared groups have none.</summary>
    public static string[] LayerPrefixes(string arch) => arch switch
    {
        "bert" => ["bert.encoder.layer."],
        "roberta" => ["roberta.encoder.layer."],
        "distilbert" => ["distilbert.transformer.layer."],
        "albert" => [],
        "gpt2" => ["transformer.h."],
        "gpt_neox" => ["gpt_neox.layers."],
        "opt" => ["model.decoder.layers."],
        "llama" => ["model.layers."],
        "t5" or "t5_v1_1" => ["encoder.block.", "decoder.block."],
        "bart" => ["model.encoder.layers.", "model.decoder.layers."],
        _ => throw new ArgumentException(arch),
    };

    public static string FixtureFolder(string arch) => SharedData.Fixture("models", arch);

    public static LanguageModel Fixture(string arch) => ModelLoader.Load(FixtureFolder(arch));

    public static JsonObject FixtureConfig(string arch)
        => JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureFolder(arch), "config.json")))!.AsObject();

    /// <summary>A randomly initialised teacher with the fixture's shapes and <paramref name="layers"/> layers (per stack).</summary>
    public static LanguageModel RandomTeacher(string arch, int layers, Action<JsonObject>? edit = null, int seed = 7)
    {
        var json = FixtureConfig(arch);
        foreach (var field in CountFields(arch)) json[field] = layers;
        edit?.Invoke(json);
        return ModelLoader.CreateRandom(ConfigJson.Parse(json.ToJsonString(), $"{arch} ({layers} layers)/config.json"), seed, std: 0.2f);
    }

    public static JsonObject Json(ConfigJson config) => JsonNode.Parse(config.Root.GetRawText())!.AsObject();

    /// <summary>
    /// The teacher key a student key comes from: a layer key "{prefix}{j}.{rest}" comes from "{prefix}{layers[j]}.{rest}",
    /// except T5's block-0 relative bias table, which always comes from the teacher's block 0; other keys keep their name.
    /// </summary>
    public static string TeacherKey(string arch, string studentKey, IReadOnlyList<int> layers)
    {
        if (Regex.IsMatch(studentKey, @"^(encoder|decoder)\.block\.0\.layer\.0\.SelfAttention\.relative_attention_bias\.weight$")) return studentKey;
        foreach (var prefix in LayerPrefixes(arch))
        {
            var m = Regex.Match(studentKey, "^" + Regex.Escape(prefix) + @"(\d+)\.(.+)$");
            if (m.Success) return prefix + layers[int.Parse(m.Groups[1].Value)] + "." + m.Groups[2].Value;
        }
        return studentKey;
    }

    /// <summary>The layer a teacher key belongs to, or null for keys outside the layer stacks.</summary>
    public static int? LayerOf(string arch, string key)
    {
        foreach (var prefix in LayerPrefixes(arch))
        {
            var m = Regex.Match(key, "^" + Regex.Escape(prefix) + @"(\d+)\.");
            if (m.Success) return int.Parse(m.Groups[1].Value);
        }
        return null;
    }

    /// <summary>
    /// Every tensor of the student is the teacher's tensor it should come from, with equal values, and the student holds
    /// exactly the teacher's tensors outside the layers plus those of the kept layers (and T5's block-0 bias tables).
    /// </summary>
    public static void AssertWeightsComeFrom(string arch, LanguageModel teacher, LanguageModel student, IReadOnlyList<int> layers)
    {
        var t = new ModelTensorSource(teacher);
        var s = new ModelTensorSource(student);
        var expected = new HashSet<string>(t.Keys.Where(k => LayerOf(arch, k) is not { } i || layers.Contains(i) || k.Contains("relative_attention_bias")));
        var mapped = s.Keys.Select(k => TeacherKey(arch, k, layers)).ToHashSet();
        Assert.True(expected.SetEquals(mapped),
            $"{arch}: student tensors come from [{string.Join(", ", mapped.Except(expected))}] but lack [{string.Join(", ", expected.Except(mapped))}].");
        foreach (var key in s.Keys)
        {
            string from = TeacherKey(arch, key, layers);
            Assert.Equal(t.Shape(from), s.Shape(key));
            Assert.True(t.ReadFloat32(from).AsSpan().SequenceEqual(s.ReadFloat32(key)), $"{arch}: student '{key}' differs from teacher '{from}'.");
        }
    }

    /// <summary>Each student linear layer equals, weight and bias, the teacher's linear layer it was renamed from.</summary>
    public static void AssertLinearsComeFrom(string arch, LanguageModel teacher, LanguageModel student, IReadOnlyList<int> layers)
    {
        var byName = teacher.Linears.ToDictionary(l => l.Name);
        int kept = teacher.Linears.Count(l => LayerOf(arch, l.Name + ".") is not { } i || layers.Contains(i));
        Assert.Equal(kept, student.Linears.Count);
        foreach (var linear in student.Linears)
        {
            string from = TeacherKey(arch, linear.Name, layers);
            Assert.True(byName.TryGetValue(from, out var source), $"{arch}: no teacher linear '{from}' for student '{linear.Name}'.");
            Assert.Equal(source!.Role, linear.Role);
            Assert.True(source.Weight.ToDense().ReadOnlySpan.SequenceEqual(linear.Weight.ToDense().ReadOnlySpan), $"{arch}: '{linear.Name}' differs from '{from}'.");
            Assert.Equal(source.Bias, linear.Bias);
        }
    }

    /// <summary>True when the LM head's weight is the very array of an embedding table (tie_weights()).</summary>
    public static bool HeadIsTied(LanguageModel model)
    {
        var head = model.Linears.Last(l => l.Role == LayerRole.Head).Weight.ToDense().Data;
        return model.OtherTensors.Any(t => ReferenceEquals(t.Value.Data, head));
    }

    public static StudentModel Student(LanguageModel teacher, params int[] layers) => StudentBuilder.FromTeacher(teacher, layers);
}
