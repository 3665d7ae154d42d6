namespace MLNet.Compression.Tensors.Autograd;

/// <summary>
/// Reverse-mode automatic differentiation by a tape (Wengert list): each op computes its value and appends one
/// backward function; <see cref="Backward(Variable)"/> runs them newest first, each adding its inputs' share of the gradient.
/// One closure per op (not per element), so the cost is the kernels'. Intermediate tensors are rented from a pool the
/// tape owns and handed back on <see cref="Reset"/>: a training loop that repeats the same shapes allocates nothing
/// after its first step. Values of intermediates are therefore valid only until the next <see cref="Reset"/>.
/// </summary>
/// <remarks>
/// Everything is float32 (as PyTorch trains these models); the gradient checks in the tests compare against central
/// finite differences of a separate double-precision reference of each op.
/// </remarks>
public sealed partial class Tape
{
    private readonly List<Action> _backward = [];
    private readonly HashSet<Variable> _owned = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly List<float[]> _rented = [];

    /// <summary>Number of backward functions recorded since the last reset.</summary>
    public int Count => _backward.Count;

    /// <summary>
    /// Runs the backward functions newest first, seeding ∂loss/∂loss = 1. Parameter gradients accumulate into
    /// their existing <see cref="Variable.Grad"/> (zero them between steps).
    /// </summary>
    public void Backward(Variable loss)
    {
        if (loss.Value.Length != 1) throw new ArgumentException($"Backward needs a scalar loss, got {loss.Value}.");
        loss.GradForAccumulate(this).Span[0] += 1f;
        for (int i = _backward.Count - 1; i >= 0; i--) _backward[i]();
    }

    /// <summary>
    /// Vector–Jacobian product: runs the backward functions with ∂L/∂output = <paramref name="seed"/> (output's shape),
    /// for an output that is not a scalar (gradient checks, or a loss computed outside the tape).
    /// </summary>
    public void Backward(Variable output, Tensor seed)
    {
        if (seed.Length != output.Value.Length) throw new ArgumentException($"Backward: seed {seed} does not match output {output.Value}.");
        var g = output.GradForAccumulate(this).Span;
        System.Numerics.Tensors.TensorPrimitives.Add(g, seed.ReadOnlySpan, g);
        for (int i = _backward.Count - 1; i >= 0; i--) _backward[i]();
    }

    /// <summary>Forgets the recorded ops and returns every intermediate buffer to the pool.</summary>
    public void Reset()
    {
        _backward.Clear();
        _owned.Clear();
        _produced.Clear();
        foreach (var a in _rented)
        {
            if (!_free.TryGetValue(a.Length, out var s)) _free[a.Length] = s = new Stack<float[]>();
            s.Push(a);
        }
        _rented.Clear();
    }

    /// <summary>A tensor of the given shape from the pool; zeroed when asked (ops that overwrite every element skip it).</summary>
    public Tensor Allocate(int[] shape, bool zero)
    {
        int n = (int)Tensor.ShapeSize(shape);
        float[] data;
        if (_free.TryGetValue(n, out var s) && s.Count > 0)
        {
            data = s.Pop();
            if (zero) Array.Clear(data);
        }
        else data = new float[n];
        _rented.Add(data);
        return new Tensor(data, (int[])shape.Clone());
    }

    internal bool Owns(Variable v) => _owned.Contains(v);

    /// <summary>
    /// A new intermediate with the given value. Its backward function (which reads the result's gradient and adds into
    /// the inputs') is recorded only when the result needs a gradient, and runs only when one reached it.
    /// </summary>
    internal Variable Record(Tensor value, bool requiresGrad, Action<Variable> backward)
    {
        var v = new Variable(value, requiresGrad);
        _owned.Add(v);
        if (requiresGrad) _backward.Add(() => { if (v.Grad is not null) backward(v); });
        return v;
    }
}
