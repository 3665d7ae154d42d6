using MLNet.Compression.Modeling;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;
using MLNet.Compression.Training;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Recovery training of a pruned or quantized model against its dense teacher: the compressed model becomes a dense
/// trainable copy whose compressed layers keep their form through training, and is stored back in the same forms and size.
/// A sparse layer (CSR, N:M) keeps its mask: the weights pruned away stay exactly zero after every update; so do the exact
/// zeros of a layer stored dense (a pruner stores a layer of low sparsity dense, and an unpruned layer has next to none). A quantized layer
/// (k-bit groups, int8, fp16/bf16) trains through a straight-through estimator (Bengio et al. 2013; as in quantization-aware
/// training, Jacob et al. 2018): the forward pass uses the quantized weights, the gradient updates a float32 master copy, and
/// the master is quantized again after each update with the layer's own settings (bits, group size, symmetry, per-channel
/// or per-tensor scales). A k-bit layer keeps the grid its quantizer chose (RTN's or GPTQ's scales and zero points, frozen;
/// only the codes change), which regained more known facts in docs/BENCHMARKS.md than a grid fitted anew at every step
/// (<see cref="KBitRecoveryGrid.Refit"/>).
/// </summary>
public sealed class CompressedModelRecovery
{
    private readonly List<(Linear Layer, Func<IWeight> Store)> _stores = [];

    private CompressedModelRecovery(LanguageModel compressed, KBitRecoveryGrid grid)
    {
        KBitGrid = grid;
        Trainable = TrainableModel.Copy(compressed);
        var copies = Trainable.Model.Linears;
        for (int i = 0; i < compressed.Linears.Count; i++)
        {
            var original = compressed.Linears[i];
            var layer = copies[i];
            if (layer.Name != original.Name) throw new InvalidOperationException($"The trainable copy lists {layer.Name} where the model has {original.Name}.");
            var value = ((DenseWeight)layer.Weight).Value; // [out, in], the parameter the optimizer moves
            if (original.Weight is DenseWeight)
            {
                // Pruners store layers of low sparsity dense with zeros; those zeros are pruned weights too.
                if (value.ReadOnlySpan.Contains(0f))
                {
                    Constraints.Add(new MaskConstraint(value));
                    MaskedDenseLayers++;
                }
                continue;
            }
            switch (original.Weight)
            {
                case CsrWeight:
                    Keep(layer, new MaskConstraint(value), () => CsrWeight.FromDense(value));
                    break;
                case NMWeight nm:
                    Keep(layer, new MaskConstraint(value), () => NMWeight.FromDense(value, nm.N, nm.M));
                    break;
                case KBitWeight k:
                    Quantized(layer, value, KBitGrid == KBitRecoveryGrid.Frozen ? k.OnSameGrid : w => RtnQuantizer.Quantize(w, k.Bits, k.GroupSize, k.Symmetric));
                    break;
                case Int8Weight q:
                    bool perChannel = q.Format == Int8Weight.PerChannelFormat;
                    Quantized(layer, value, w => Int8Weight.Quantize(w, perChannel, q.Engine));
                    break;
                case HalfWeight h:
                    Quantized(layer, value, w => new HalfWeight(w, h.Kind));
                    break;
                default:
                    throw new NotSupportedException($"{original.Name}: recovery training cannot keep a {original.Weight.Format} weight in its form.");
            }
        }
    }

    /// <summary>The dense trainable copy; train it with <see cref="Constraints"/> added to its trainer.</summary>
    public TrainableModel Trainable { get; }

    /// <summary>The masks and straight-through quantizers of the compressed layers, in layer order.</summary>
    public List<IParameterConstraint> Constraints { get; } = [];

    /// <summary>Layers trained in a compressed form.</summary>
    public int CompressedLayers => _stores.Count;

    /// <summary>Layers stored dense whose exact zeros (weights a pruner removed) are kept at zero.</summary>
    public int MaskedDenseLayers { get; }

    /// <summary>Quantized layers, trained through a float master copy (which a training checkpoint holds as the constraint's state).</summary>
    public int StraightThroughLayers => Constraints.Count(c => c is StraightThroughConstraint);

    /// <summary>Prepares recovery of <paramref name="compressed"/> (which is not changed).</summary>
    public static CompressedModelRecovery Prepare(LanguageModel compressed, KBitRecoveryGrid grid = KBitRecoveryGrid.Frozen) => new(compressed, grid);

    /// <summary>How k-bit layers are put back on a grid after each update.</summary>
    public KBitRecoveryGrid KBitGrid { get; }

    /// <summary>The trained model with every compressed layer stored back in its form; call once, after training.</summary>
    public LanguageModel Finish()
    {
        foreach (var (layer, store) in _stores) layer.Weight = store();
        return Trainable.Model;
    }

    private void Keep(Linear layer, IParameterConstraint constraint, Func<IWeight> store)
    {
        Constraints.Add(constraint);
        _stores.Add((layer, store));
    }

    private void Quantized(Linear layer, Tensor value, Func<Tensor, IWeight> quantize)
    {
        var ste = new StraightThroughConstraint(value, quantize);
        Keep(layer, ste, ste.Store);
    }

    /// <summary>Weights that are zero at the start stay exactly zero: the update is undone there after every step.</summary>
    private sealed class MaskConstraint : IParameterConstraint
    {
        private readonly Tensor _value;
        private readonly int[] _pruned;

        public MaskConstraint(Tensor value)
        {
            _value = value;
            var v = value.ReadOnlySpan;
            var pruned = new List<int>();
            for (int i = 0; i < v.Length; i++) if (v[i] == 0f) pruned.Add(i);
            _pruned = pruned.ToArray();
        }

        public void BeforeUpdate() { }

        public void AfterUpdate()
        {
            var v = _value.Span;
            foreach (int i in _pruned) v[i] = 0f;
        }
    }

    /// <summary>
    /// The forward tensor holds the quantized weights; around each update it holds the master copy instead, so AdamW moves
    /// the master with the gradient taken at the quantized point, which is then quantized again into the forward tensor.
    /// </summary>
    private sealed class StraightThroughConstraint : IParameterConstraint
    {
        private readonly Tensor _value;
        private readonly float[] _master;
        private readonly Func<Tensor, IWeight> _quantize;

        public StraightThroughConstraint(Tensor value, Func<Tensor, IWeight> quantize)
        {
            _value = value;
            _master = value.Span.ToArray();
            _quantize = quantize;
        }

        public void BeforeUpdate() => _master.CopyTo(_value.Span);

        public void AfterUpdate()
        {
            _value.ReadOnlySpan.CopyTo(_master);
            _quantize(new Tensor(_master, _value.Shape)).ToDense().ReadOnlySpan.CopyTo(_value.Span);
        }

        public float[] State => _master;

        public void Restore(ReadOnlySpan<float> state)
        {
            state.CopyTo(_master);
            _quantize(new Tensor((float[])_master.Clone(), _value.Shape)).ToDense().ReadOnlySpan.CopyTo(_value.Span);
        }

        /// <summary>The master quantized into the layer's form.</summary>
        public IWeight Store() => _quantize(new Tensor((float[])_master.Clone(), _value.Shape));
    }
}

/// <summary>How recovery training puts a k-bit layer's float master back on a grid after each update.</summary>
public enum KBitRecoveryGrid
{
    /// <summary>The layer's own scales and zero points, frozen; only the codes change.</summary>
    Frozen,
    /// <summary>A round-to-nearest grid fitted anew to the master at every step.</summary>
    Refit,
}
