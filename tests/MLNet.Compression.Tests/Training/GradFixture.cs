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

    /// <summary>
    /// The fixture's name of one of our parameters: the same key, or the PyTorch parameter it is an alias of (BERT's
    /// decoder bias is cls.predictions.bias).
    /// </summary>
    public string FixtureName(string ours)
    {
        foreach (var p in Root.GetProperty("parameters").EnumerateArray())
        {
            string name = p.GetProperty("param").GetString()!;
            if (name == ours || p.GetProperty("aliases").EnumerateArray().Any(a => a.GetString() == ours)) return name;
        }
        if (ours == "cls.predictions.decoder.bias") return "cls.predictions.bias";
        throw new KeyNotFoundException($"{Family}: the fixture has no parameter {ours}");
    }

    /// <summary>
    /// The fixture tensor "{prefix}{name}" of one of our parameters, in our layout: a GPT-2 Conv1D weight is stored
    /// [in, out] by PyTorch and held [out, in] by the model.
    /// </summary>
    public float[] Read(SafeTensorsFile file, string prefix, TrainableModel model, MLNet.Compression.Tensors.Autograd.Variable p)
    {
        var data = file.ReadFloat32(prefix + FixtureName(p.Name!));
        if (!model.IsStoredTransposed(p)) return data;
        int outF = p.Shape[0], inF = p.Shape[1];
        var t = new float[data.Length];
        for (int i = 0; i < inF; i++)
            for (int o = 0; o < outF; o++) t[o * inF + i] = data[i * outF + o];
        return t;
    }

    /// <summary>A fixture flat index of parameter <paramref name="p"/> in our layout.</summary>
    public static int OurIndex(TrainableModel model, MLNet.Compression.Tensors.Autograd.Variable p, int fixtureIndex)
    {
        if (!model.IsStoredTransposed(p)) return fixtureIndex;
        int outF = p.Shape[0], inF = p.Shape[1];
        return fixtureIndex % outF * inF + fixtureIndex / outF;
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
