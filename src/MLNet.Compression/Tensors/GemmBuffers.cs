using System.Runtime.CompilerServices;

namespace MLNet.Compression.Tensors;

/// <summary>
/// Per-thread packing buffers, pinned and 64-byte aligned so the kernels can use aligned loads.
/// They grow to the largest block seen on that thread and are then reused: no allocation per call.
/// </summary>
internal static unsafe class GemmBuffers
{
    private const int Alignment = 64; // bytes: one cache line, one zmm register

    [ThreadStatic] private static float[]? s_a;
    [ThreadStatic] private static float[]? s_b;

    /// <summary>An aligned buffer of at least <paramref name="count"/> floats for packed A panels.</summary>
    public static float* A(int count) => Get(ref s_a, count);

    /// <summary>An aligned buffer of at least <paramref name="count"/> floats for packed B panels.</summary>
    public static float* B(int count) => Get(ref s_b, count);

    private static float* Get(ref float[]? buffer, int count)
    {
        int needed = count + Alignment / sizeof(float);
        if (buffer is null || buffer.Length < needed)
            buffer = GC.AllocateUninitializedArray<float>(needed, pinned: true);
        // Pinned arrays never move, so the raw address stays valid for the thread's lifetime of the array.
        nint p = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (float*)((p + Alignment - 1) & ~(nint)(Alignment - 1));
    }
}
