namespace MLNet.Compression.Modeling;

/// <summary>
/// Something a model registers: it says which linear layers and which other named weights it holds, each in
/// checkpoint order. <see cref="LanguageModel"/> appends them to <see cref="LanguageModel.Linears"/> and
/// <see cref="LanguageModel.OtherTensors"/>, so a block lists its parts once and registration needs no type switch.
/// </summary>
public interface IModule
{
    /// <summary>Linear layers, in checkpoint order.</summary>
    IEnumerable<Linear> LinearLayers { get; }

    /// <summary>Weights that are not linear layers (norm weights and biases, position tables), in checkpoint order.</summary>
    IEnumerable<NamedTensor> NamedTensors { get; }
}

/// <summary>A module made of other modules, in checkpoint order (a block, an attention, an MLP).</summary>
public abstract class CompositeModule : IModule
{
    /// <summary>The parts, in the order Hugging Face's named_parameters() lists them.</summary>
    public abstract IReadOnlyList<IModule> Modules { get; }

    public IEnumerable<Linear> LinearLayers => Modules.SelectMany(m => m.LinearLayers);

    public IEnumerable<NamedTensor> NamedTensors => Modules.SelectMany(m => m.NamedTensors);
}
