using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Cli.Tests;

/// <summary>End-to-end runs of info, forward, generate and demo against the Hugging Face fixtures.</summary>
public class ModelCommandTests
{
    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    [InlineData("t5")]
    public void Forward_WritesLogitsAndHiddenStatesMatchingTheReference(string arch)
    {
        string dir = CliProcess.Fixture(arch);
        string output = Path.Combine(Path.GetTempPath(), $"fwd-{arch}-{Guid.NewGuid():N}.safetensors");
        try
        {
            var (code, _, err) = CliProcess.Run("forward", "--model", dir, "--inputs", Path.Combine(dir, "reference.json"), "--out", output);
            Assert.True(code == 0, err);
            using var ours = SafeTensorsFile.Open(output);
            using var reference = SafeTensorsFile.Open(Path.Combine(dir, "reference.safetensors"));
            string maskName = reference.Contains("decoder_attention_mask") ? "decoder_attention_mask" : "attention_mask";
            var mask = reference.ReadInt64(maskName);
            var names = reference.Tensors.Select(t => t.Name).Where(n => n == "logits" || n.Contains("hidden_states.")).ToList();
            Assert.NotEmpty(names);
            foreach (var name in names)
            {
                Assert.True(ours.Contains(name), $"forward output lacks {name}");
                var e = reference.ReadFloat32(name);
                var a = ours.ReadFloat32(name);
                Assert.Equal(reference.Info(name).Shape, ours.Info(name).Shape);
                var rowMask = name.StartsWith("encoder", StringComparison.Ordinal) ? reference.ReadInt64("attention_mask") : mask;
                int inner = reference.Info(name).Shape[^1];
                for (int i = 0; i < e.Length; i++)
                    if (rowMask[i / inner] == 1)
                        Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4 + 1e-4 * Math.Abs(e[i]), $"{name}[{i}]: {a[i]} vs {e[i]}");
            }
        }
        finally { File.Delete(output); }
    }

    [Fact]
    public void Generate_InputIds_PrintsHuggingFacesGreedySequence()
    {
        string dir = CliProcess.Fixture("llama");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "reference.json")));
        var prompt = doc.RootElement.GetProperty("inputs").GetProperty("input_ids")[0].EnumerateArray().Select(e => e.GetInt32()).ToArray();
        using var reference = SafeTensorsFile.Open(Path.Combine(dir, "reference.safetensors"));
        var expected = reference.ReadInt64("greedy_sequences");
        var (code, output, err) = CliProcess.Run("generate", "--model", dir, "--input-ids", string.Join(",", prompt), "--max-new-tokens", (expected.Length - prompt.Length).ToString());
        Assert.True(code == 0, err);
        Assert.Equal(string.Join(",", expected), output.Trim());
    }

    [Fact]
    public void Generate_Prompt_WritesTextWithTheRealLlama2cModel()
    {
        var (code, output, err) = CliProcess.Run("generate", "--model", Path.Combine(CliProcess.Shared, "data", "models", "aidreams260K"), "--prompt", "Once upon a time", "--max-new-tokens", "40");
        Assert.True(code == 0, err);
        Assert.StartsWith("Once upon a time", output);
        Assert.True(output.Trim().Length > "Once upon a time".Length + 40, output);
    }

    [Fact]
    public void Info_Json_ReportsHuggingFacesParameterCount()
    {
        var (code, output, err) = CliProcess.Run("info", "--model", CliProcess.Fixture("albert"), "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(49804, doc.RootElement.GetProperty("parameters").GetInt64()); // reference.json num_parameters_unique
        Assert.Equal("albert", doc.RootElement.GetProperty("model_type").GetString());
        Assert.Contains(doc.RootElement.GetProperty("linear_layers").EnumerateArray(), l => l.GetProperty("role").GetString() == "AttentionQuery");
    }

    [Fact]
    public void BadModelFolder_GivesOneLineErrorAndExitCode1()
    {
        var (code, output, err) = CliProcess.Run("info", "--model", "/no/such/folder");
        Assert.Equal(1, code);
        Assert.StartsWith("error: /no/such/folder", err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Forward_InputsMissingInputIds_NamesTheFieldAndFile()
    {
        string inputs = Path.GetTempFileName();
        File.WriteAllText(inputs, """{"attention_mask": [[1, 1]]}""");
        var (code, _, err) = CliProcess.Run("forward", "--model", CliProcess.Fixture("bert"), "--inputs", inputs, "--out", inputs + ".st");
        Assert.Equal(1, code);
        Assert.Contains(inputs, err);
        Assert.Contains("input_ids", err);
    }

    [Fact]
    public void DemoQuick_BuildsTheWorldTrainsBothModelsAndWritesTheStudy()
    {
        string dir = Path.Combine(Path.GetTempPath(), "demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, err) = CliProcess.Run("demo", "--quick", "-o", dir);
            Assert.True(code == 0, output + err);
            foreach (var model in new[] { "masked-lm", "causal-lm" })
            {
                Assert.True(File.Exists(Path.Combine(dir, "models", model, "model.safetensors")), model);
                Assert.True(File.Exists(Path.Combine(dir, "models", model, "training.json")), model);
            }
            string html = File.ReadAllText(Path.Combine(dir, "study", "report.html"));
            Assert.Contains("<svg", html);
            foreach (var type in new[] { "bert", "gpt2" })
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "study", $"results-{type}.json")));
                var points = doc.RootElement.GetProperty("points").EnumerateArray().ToList();
                Assert.Contains(points, p => p.GetProperty("method").GetString() == "dense");
                Assert.Contains(points, p => p.GetProperty("method").GetString() == "magnitude" && p.GetProperty("group").GetString() == "ffn");
                Assert.All(points, p => Assert.True(p.GetProperty("p_at_1").GetDouble() is >= 0 and <= 1));
                // int8 of every layer stores the weights in a quarter of the bytes: the model shrinks.
                long dense = points.Single(p => p.GetProperty("method").GetString() == "dense").GetProperty("size_bytes").GetInt64();
                long int8 = points.Single(p => p.GetProperty("name").GetString() == "int8 all").GetProperty("size_bytes").GetInt64();
                Assert.True(int8 < dense, $"int8 {int8} vs dense {dense}");
            }

            // A second run reuses the trained models instead of training again.
            var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, "models", "masked-lm", "model.safetensors"));
            (code, output, err) = CliProcess.Run("demo", "--quick", "-o", dir);
            Assert.True(code == 0, output + err);
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir, "models", "masked-lm", "model.safetensors")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
