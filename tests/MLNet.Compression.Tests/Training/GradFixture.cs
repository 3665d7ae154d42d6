using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Training;

namespace MLNet.Compression.Tests.Training;

/// <summary>One of ../shared/fixtures/grads/{bert,gpt2,llama}: grads.json and its three safetensors files.</summary>
internal sealed class GradFixture : IDisposable
{
    public GradFixture(string family)
    {
        Family = family;
        string dir = SharedData.Fixture("grads", family);
        Json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "grads.json")));
        Grads = SafeTensorsFile.Open(Path.Combine(dir, "grads.safetensors"));
        After1 = SafeTensorsFile.Open(Path.Combine(dir, "after_step.safetensors"));
        After2 = SafeTensorsFile.Open(Path.Combine(dir, "after_step2.safetensors"));
        ModelFolder = SharedData.Fixture("models", family);
    }

    public string Family { get; }
    public JsonDocument Json { get; }
    public SafeTensorsFile Grads { get; }
    public SafeTensorsFile After1 { get; }
    public SafeTensorsFile After2 { get; }
    public string ModelFolder { get; }

    public JsonElement Root => Json.RootElement;

    public TrainableModel LoadModel() => TrainableModel.Load(ModelFolder);

    /// <summary>The forward inputs and labels stored in grads.safetensors.</summary>
    public TrainingBatch Batch()
    {
        var shape = Grads.Info("input_ids").Shape;
        int[] Ints(string key) => Grads.ReadInt64(key).Select(v => (int)v).ToArray();
        return new TrainingBatch
        {
            Batch = shape[0],
            Length = shape[1],
            InputIds = Ints("input_ids"),
            AttentionMask = Ints("attention_mask"),
            TokenTypeIds = Grads.Contains("token_type_ids") ? Ints("token_type_ids") : null,
            Labels = Ints("labels"),
        };
    }

    public float Scalar(SafeTensorsFile f, string key) => f.ReadFloat32(key)[0];

    /// <summary>Flat indices of elements whose float32 gradient is rounding noise or sign-unstable (grads.json lists them).</summary>
    public Dictionary<string, HashSet<int>> NoiseElements()
    {
        var result = new Dictionary<string, HashSet<int>>();
        foreach (var e in Root.GetProperty("tolerance_guidance").GetProperty("params_with_noise_only_or_sign_unstable_grad_elements").EnumerateArray())
        {
            var set = new HashSet<int>();
            foreach (var range in e.GetProperty("flat_index_ranges_f64_~0").EnumerateArray())
                for (int i = range[0].GetInt32(); i <= range[1].GetInt32(); i++) set.Add(i);
            result[e.GetProperty("param").GetString()!] = set;
        }
        return result;
    }

    public IEnumerable<string> ParameterNames() => Root.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("param").GetString()!);

    public void Dispose()
    {
        Json.Dispose();
        Grads.Dispose();
        After1.Dispose();
        After2.Dispose();
    }
}
