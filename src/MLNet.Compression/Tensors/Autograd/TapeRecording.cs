namespace MLNet.Compression.Tensors.Autograd;

/// <summary>
/// The bridge that lets a model's one forward pass train: while a tape is <see cref="Current"/> (inside
/// <see cref="StartRecording"/>), the model code's ops (Linear, norms, activations, attention, embeddings, the consuming
/// elementwise ops of <see cref="TensorOps"/>) run as this tape's ops and return their values as plain tensors. A tensor
/// is matched to its variable by its storage: every op output, parameter and constant is known by the float[] it lives in,
/// so a <see cref="Tensor.Reshape"/> view still finds its variable.
/// </summary>
/// <remarks>
/// A tensor that reaches a recorded op without having come from one (a value written by a loop over spans) is an error,
/// not a constant: a silently cut gradient is the failure this design must not allow. Model code therefore uses
/// "consuming" ops (<c>x = TensorOps.Add(x, y)</c>), which work in place at inference and return a new tensor on the tape,
/// so no value a backward function reads is ever overwritten.
/// </remarks>
public sealed partial class Tape
{
    [ThreadStatic] private static Tape? _current;
    private readonly Dictionary<float[], Variable> _bound = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<float[], Variable> _produced = new(ReferenceEqualityComparer.Instance);

    /// <summary>The tape model code records on, on this thread; null at inference.</summary>
    public static Tape? Current => _current;

    /// <summary>Makes this tape <see cref="Current"/> on this thread until the returned scope is disposed.</summary>
    public RecordingScope StartRecording()
    {
        var previous = _current;
        _current = this;
        return new RecordingScope(previous);
    }

    /// <summary>Restores the tape that was current before <see cref="StartRecording"/>.</summary>
    public readonly struct RecordingScope(Tape? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }

    /// <summary>
    /// Makes <paramref name="variable"/>'s storage known across resets: a parameter (requires a gradient) or a
    /// constant the model reads (a frozen table, a buffer).
    /// </summary>
    public void Bind(Variable variable) => _bound[variable.Value.Data] = variable;

    /// <summary>Binds <paramref name="value"/> as a constant unless its storage is bound already.</summary>
    public void BindConstant(Tensor value)
    {
        if (!_bound.ContainsKey(value.Data)) _bound[value.Data] = new Variable(value);
    }

    /// <summary>Forgets every binding made with <see cref="Bind"/> or <see cref="BindConstant"/>.</summary>
    public void Unbind() => _bound.Clear();

    /// <summary>The variable of a tensor the model code holds, in that tensor's shape.</summary>
    public Variable Of(Tensor t)
    {
        if (!_produced.TryGetValue(t.Data, out var v) && !_bound.TryGetValue(t.Data, out v))
            throw new InvalidOperationException(
                $"A tensor {t} reached a recorded op without coming from one: an op that does not record itself on the tape wrote it, " +
                "or a weight was neither bound as a parameter nor as a constant.");
        return v.Shape.AsSpan().SequenceEqual(t.Shape) ? v : Reshape(v, t.Shape);
    }

    /// <summary>The variable of a bound vector (a norm's scale, a bias) held as a bare array.</summary>
    public Variable Of(float[] vector) => Of(new Tensor(vector, vector.Length));

    /// <summary>Hands an op's result to model code as a plain tensor, remembering which variable it is.</summary>
    public Tensor Out(Variable v)
    {
        _produced[v.Value.Data] = v;
        return v.Value;
    }

    /// <summary>Fails when model code is about to change a tensor in place while a tape records (its old value may be needed).</summary>
    public static void ForbidInPlace(string op)
    {
        if (_current is not null)
            throw new InvalidOperationException($"{op} changes a tensor in place, which a recording tape cannot differentiate; use the consuming form that returns the result.");
    }
}
