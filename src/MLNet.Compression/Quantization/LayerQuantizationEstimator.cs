using System.Globalization;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Quantization;

/// <summary>
/// The shared shape of the quantization estimators: clone the model, give each selected layer a new weight form, report a
/// <see cref="LayerChange"/> per layer. The input model is never changed (unchanged layers are shared with the clone).
/// </summary>
public abstract class LayerQuantizationEstimator : IModelEstimator<ModelTransformer>
{
    protected LayerQuantizationEstimator(CompressionContext context, ModuleGroup groups)
    {
        Context = context ?? throw new ArgumentNullException(nameof(context));
        Groups = groups ?? throw new ArgumentNullException(nameof(groups));
    }

    public CompressionContext Context { get; }

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

    /// <summary>The layers Fit would quantize with their planned bits; a bit plan naming a layer outside them fails here.</summary>
    public IReadOnlyList<LayerChange> Preview(LanguageModel model)
    {
        var layers = Groups.Select(model);
        Validate(layers);
        return layers.Select(l => new LayerChange(l.Name, "quantize", Method) { Bits = PlannedBits(l) }).ToList();
    }

    /// <summary>Bits per weight the layer will get.</summary>
    protected abstract int PlannedBits(Linear layer);

    /// <summary>Checks the options against the chosen layers (a bit plan must cover exactly them); the default accepts any.</summary>
    protected virtual void Validate(IReadOnlyList<Linear> layers) { }

    /// <summary>Work that needs every layer at once (calibration); the default does nothing.</summary>
    protected virtual void Prepare(LanguageModel clone, IReadOnlyList<Linear> layers, CalibrationData? calibration) { }

    /// <summary>The new weight of one layer, its bits per weight, and the parameters worth recording.</summary>
    protected abstract (IWeight Weight, int Bits, IReadOnlyDictionary<string, string> Details) QuantizeLayer(Linear layer);

    protected static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    protected static string Str(double v) => v.ToString(CultureInfo.InvariantCulture);
}
