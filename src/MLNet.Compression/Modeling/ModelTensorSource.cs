using MLNet.Compression.IO;

namespace MLNet.Compression.Modeling;

/// <summary>
/// A model's current weights seen as a checkpoint, under their Hugging Face keys: linear weights in their dense equivalent
/// (Conv1D ones transposed back to [in, out]), tied aliases listed once as save_pretrained lists them.
/// Arrays are shared, not copied. Used to export a model and to build a second model object over the same weights.
/// </summary>
public sealed class ModelTensorSource : ITensorSource, IResizableLinearSource
{
    private readonly Dictionary<string, (Func<float[]> Data, int[] Shape)> _tensors = new(StringComparer.Ordinal);

    public ModelTensorSource(LanguageModel model)
    {
        Location = $"{model.ModelType} model in memory";
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var t in model.OtherTensors)
            if (seen.Add(t.Value.Data)) _tensors[t.Key] = (() => t.Value.Data.Length == t.Value.Length ? t.Value.Data : t.Value.Span.ToArray(), t.Value.Shape);
        foreach (var l in model.Linears)
        {
            object identity = l.Weight is DenseWeight d ? d.Value.Data : l.Weight;
            if (seen.Add(identity))
            {
                var layer = l;
                _tensors[l.Name + ".weight"] = l.StoredTransposed
                    ? (() => Transpose(layer.Weight.ToDense().Data, layer.OutFeatures, layer.InFeatures), [l.InFeatures, l.OutFeatures])
                    : (() => layer.Weight.ToDense().Data, [l.OutFeatures, l.InFeatures]);
            }
            if (l.Bias is { } b && seen.Add(b)) _tensors[l.Name + ".bias"] = (() => b, [b.Length]);
        }
    }

    public string Location { get; }

    public IEnumerable<string> Keys => _tensors.Keys;

    public bool Contains(string key) => _tensors.ContainsKey(key);

    public int[] Shape(string key) => _tensors[key].Shape;

    public float[] ReadFloat32(string key) => _tensors[key].Data();

    public string Describe(string key) => Location;

    public void Dispose() { }

    /// <summary>[rows, cols] → [cols, rows]</summary>
    private static float[] Transpose(float[] data, int rows, int cols)
    {
        var t = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
        return t;
    }
}
