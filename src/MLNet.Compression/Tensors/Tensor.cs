namespace MLNet.Compression.Tensors;

/// <summary>
/// A dense float32 tensor: contiguous, row-major, with a shape. Views made by <see cref="Reshape"/> share storage.
/// Kept deliberately simple (no strides): every op writes a fresh contiguous result or works in place,
/// which is what the inference paths need and keeps kernels free of stride arithmetic.
/// </summary>
public sealed class Tensor
{
    private readonly float[] _data;

    public Tensor(float[] data, params int[] shape)
    {
        long n = ShapeSize(shape);
        if (data.Length < n)
            throw new ArgumentException($"Tensor data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {n}.");
        _data = data;
        Shape = shape;
        Length = (int)n;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    public int Rank => Shape.Length;

    /// <summary>The backing array; may be longer than <see cref="Length"/>.</summary>
    public float[] Data => _data;

    public Span<float> Span => _data.AsSpan(0, Length);

    public ReadOnlySpan<float> ReadOnlySpan => _data.AsSpan(0, Length);

    /// <summary>Size of dimension <paramref name="i"/>; negative counts from the end.</summary>
    public int Dim(int i) => Shape[i < 0 ? Shape.Length + i : i];

    public float this[params int[] index]
    {
        get => _data[Offset(index)];
        set => _data[Offset(index)] = value;
    }

    public static Tensor Zeros(params int[] shape) => new(new float[ShapeSize(shape)], shape);

    public static Tensor FromArray(float[] data) => new(data, data.Length);

    /// <summary>A view with another shape over the same storage; one dimension may be -1.</summary>
    public Tensor Reshape(params int[] shape)
    {
        int infer = Array.IndexOf(shape, -1);
        if (infer >= 0)
        {
            long known = 1;
            for (int i = 0; i < shape.Length; i++) if (i != infer) known *= shape[i];
            shape = (int[])shape.Clone();
            shape[infer] = (int)(Length / known);
        }
        if (ShapeSize(shape) != Length)
            throw new ArgumentException($"Cannot reshape [{string.Join(", ", Shape)}] to [{string.Join(", ", shape)}].");
        return new Tensor(_data, shape);
    }

    public Tensor Clone() => new(Span.ToArray(), (int[])Shape.Clone());

    /// <summary>Rows of the last dimension, treating everything before it as a batch.</summary>
    public int Rows => Length / Math.Max(1, Shape[^1]);

    public static long ShapeSize(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension {d} in shape.");
            n *= d;
        }
        return n;
    }

    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}]";

    private int Offset(int[] index)
    {
        if (index.Length != Shape.Length) throw new ArgumentException($"Index of rank {index.Length} for tensor of rank {Shape.Length}.");
        int off = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i]) throw new IndexOutOfRangeException($"Index {index[i]} out of range for dimension {i} of size {Shape[i]}.");
            off = off * Shape[i] + index[i];
        }
        return off;
    }
}
