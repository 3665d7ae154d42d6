namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// Random generators derived from a seed and a few integer keys (trial id, attempt, a stream tag…) only, so a tuner
/// rebuilt in another process draws the same numbers (string.GetHashCode and HashCode.Combine are randomised per
/// process, so they are not used). The keys are folded with the SplitMix64 finaliser (Steele, Lea, Flood 2014).
/// </summary>
internal static class TrialRandom
{
    /// <summary>A generator for <paramref name="seed"/> and <paramref name="keys"/>; equal inputs give equal streams.</summary>
    public static Random For(int seed, params long[] keys)
    {
        ulong h = Mix(0x5DEECE66DUL ^ (uint)seed);
        foreach (long k in keys) h = Mix(h ^ Mix((ulong)k));
        // new Random(int) uses a fixed, documented algorithm for a given seed, unlike the unseeded constructor.
        return new Random((int)(h >> 33));
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // (0, 1]: keeps the logarithm finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
