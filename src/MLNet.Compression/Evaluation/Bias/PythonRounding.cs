using System.Globalization;
using System.Numerics;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>
/// Python's round(x, n) for doubles: the exact binary value rounded half-to-even at n decimals, then read back as the
/// nearest double. CrowS-Pairs rounds sentence scores to 3 decimals before comparing them, and the summary to 2, so the
/// rounding must be Python's to give the same ties and the same printed numbers.
/// </summary>
public static class PythonRounding
{
    public static double Round(double x, int digits)
    {
        if (double.IsNaN(x) || double.IsInfinity(x) || x == 0) return x;
        bool negative = x < 0;
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(x));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent = 1; else mantissa |= 1L << 52;
        exponent -= 1075;                                   // |x| = mantissa · 2^exponent exactly
        var numerator = new BigInteger(mantissa) * BigInteger.Pow(10, digits);
        BigInteger q;
        if (exponent >= 0) q = numerator << exponent;
        else
        {
            var denominator = BigInteger.One << -exponent;
            q = BigInteger.DivRem(numerator, denominator, out var r);
            int cmp = (r * 2).CompareTo(denominator);
            if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        }
        double result = double.Parse(q.ToString(CultureInfo.InvariantCulture) + "E-" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return negative ? -result : result;
    }
}
