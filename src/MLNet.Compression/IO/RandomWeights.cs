namespace MLNet.Compression.IO;

/// <summary>
/// A weight source that invents every weight a family asks for, as Hugging Face's from_config does: normal(0, std) for
/// matrices and embeddings, ones for norm scales, zeros for biases. Used for benchmarks at real shapes and for
/// training from scratch; tied weights stay tied because the loader asks for the twin first.
/// </summary>
public sealed class RandomWeights : ITensorSource
{
    private readonly Dictionary<string, (float[] Data, int[] Shape)> _made = new(StringComparer.Ordinal);
    private readonly Random _rng;

    public RandomWeights(int seed = 0, float std = 0.02f)
    {
        _rng = new Random(seed);
        Std = std;
    }

    public float Std { get; }

    public string Location => "random initialisation";

    public IEnumerable<string> Keys => _made.Keys;

    public bool Contains(string key) => _made.ContainsKey(key);

    public int[] Shape(string key) => _made[key].Shape;

    public float[] ReadFloat32(string key) => _made[key].Data;

    public string Describe(string key) => Location;

    /// <summary>Creates the weight the first time it is asked for.</summary>
    public void Make(string key, int[] shape)
    {
        if (_made.ContainsKey(key)) return;
        long n = shape.Aggregate(1L, (a, d) => a * d);
        var data = new float[n];
        string leaf = key[(key.LastIndexOf('.') + 1)..];
        bool isNorm = key.Contains("norm", StringComparison.OrdinalIgnoreCase) || key.Contains("ln_", StringComparison.Ordinal) || key.EndsWith("ln_f.weight", StringComparison.Ordinal);
        if (leaf is "bias" or "beta" || key.EndsWith("final_logits_bias", StringComparison.Ordinal)) { }
        else if (isNorm && leaf is "weight" or "gamma") Array.Fill(data, 1f);
        else
        {
            for (long i = 0; i < n; i += 2)
            {
                // Box–Muller: two normals per pair of uniforms.
                double u1 = 1.0 - _rng.NextDouble(), u2 = _rng.NextDouble();
                double r = Math.Sqrt(-2.0 * Math.Log(u1)) * Std;
                data[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < n) data[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }
        _made[key] = (data, (int[])shape.Clone());
    }

    public void Dispose() { }
}
