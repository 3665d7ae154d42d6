namespace MLNet.Compression.Tensors.Autograd;

/// <summary>
/// A tensor on the tape: its value, and the gradient of the loss with respect to it once <see cref="Tape.Backward(Variable)"/> has run.
/// Parameters are variables made with <c>requiresGrad: true</c> that live across steps; intermediates are made by the
/// tape's ops and live until <see cref="Tape.Reset"/>.
/// </summary>
public sealed class Variable
{
    /// <summary>A leaf: a parameter (requiresGrad) or a constant input.</summary>
    public Variable(Tensor value, bool requiresGrad = false, string? name = null)
    {
        Value = value;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    /// <summary>The forward value.</summary>
    public Tensor Value { get; }

    /// <summary>∂loss/∂value, same shape as <see cref="Value"/>; null until a backward pass reaches this variable.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>Whether gradients flow to (or through) this variable.</summary>
    public bool RequiresGrad { get; }

    /// <summary>The Hugging Face key of a parameter; null for intermediates.</summary>
    public string? Name { get; }

    public int[] Shape => Value.Shape;

    /// <summary>The gradient, created as zeros on first use so backward functions can accumulate into it.</summary>
    internal Tensor GradForAccumulate(Tape tape)
    {
        if (Grad is null)
            Grad = tape.Owns(this) ? tape.Allocate(Value.Shape, zero: true) : Tensor.Zeros(Value.Shape);
        return Grad;
    }

    /// <summary>Sets the gradient to zeros (keeping the buffer) or drops it.</summary>
    public void ZeroGrad()
    {
        if (Grad is not null) Grad.Span.Clear();
    }

    public override string ToString() => $"{Name ?? "Variable"}{Value}";
}
