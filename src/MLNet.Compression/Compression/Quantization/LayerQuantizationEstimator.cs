using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Compression.Quantization;

/// <summary>
/// The shared shape of the quantization estimators: clone the model, give each selected layer a new weight form, report a
/// <see cref="LayerChange"/> per layer. The input model is never changed (unchanged layers are shared with the clone).
/// </summary>
public abstract class LayerQuantizationEstimator : IModelEstimator<ModelTransformer>
{
    protected LayerQuantizationEstimator(ModuleGroup groups) => Groups = groups ?? throw new ArgumentNullException(nameof(groups));

    /// <summary>The layers this stage quantizes.</summary>
    public ModuleGroup Groups { get; }

    /// <summary>Method name in <see cref="LayerChange.Method"/>.</summary>
    protected abstract string Method { get; }

    public virtual ModelTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        var clone = model.Clone();
        var layers = Groups.Select(clone);
        Prepare(clone, layers, calibration);
        var changes = new List<LayerChange>(layers.Count);
        foreach (var layer in layers)
        {
            var (weight, bits, details) = QuantizeLayer(layer);
            layer.Weight = weight;
            changes.Add(new LayerChange(layer.Name, "quantize", Method) { Bits = bits, Details = details });
        }
        return new ModelTransformer(clone, changes);
    }

    /// <summary>Work that needs every layer at once (calibration); the default does nothing.</summary>
    protected virtual void Prepare(LanguageModel clone, IReadOnlyList<Linear> layers, CalibrationData? calibration) { }

    /// <summary>The new weight of one layer, its bits per weight, and the parameters worth recording.</summary>
    protected abstract (IWeight Weight, int Bits, IReadOnlyDictionary<string, string> Details) QuantizeLayer(Linear layer);

    protected static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    protected static string Str(double v) => v.ToString(CultureInfo.InvariantCulture);
}
