using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Quantization;

public static class DynamicInt8Catalog
{
    /// <summary>Dynamic int8 quantization as torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, qint8).</summary>
    public static DynamicInt8Estimator DynamicInt8(this QuantizationCatalog catalog, ModuleGroup? groups = null, bool? perChannel = null, QuantizationEngine? engine = null)
    {
        var o = new DynamicInt8Estimator.Options();
        o.Groups = groups ?? o.Groups;
        o.PerChannel = perChannel ?? o.PerChannel;
        o.Engine = engine ?? o.Engine;
        return catalog.DynamicInt8(o);
    }

    /// <summary>Dynamic int8 quantization with every setting spelled out.</summary>
    public static DynamicInt8Estimator DynamicInt8(this QuantizationCatalog catalog, DynamicInt8Estimator.Options options) => new(catalog.Context, options);
}
