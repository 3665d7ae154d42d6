using System.Buffers.Binary;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// SentencePiece's compiled normalization rules (NormalizerSpec.precompiled_charsmap, written by
/// sentencepiece normalizer.cc <c>EncodePrecompiledCharsMap</c>): a uint32 trie size, a darts-clone double-array trie
/// over UTF-8 byte strings, then NUL-terminated replacement strings the trie's values point into.
/// The longest matching prefix is replaced. T5's nmt_nfkc rules are NFKC plus whitespace and control-character folding.
/// </summary>
public sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _normalized;

    /// <summary>Reads the blob; <paramref name="path"/> names the model in errors.</summary>
    public PrecompiledCharsMap(ReadOnlySpan<byte> blob, string path = "<memory>")
    {
        if (blob.Length <= 4) throw new TokenizerLoadException(path, "the precompiled_charsmap is too short.");
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize >= (uint)blob.Length - 4 + 1 || trieSize % 4 != 0)
            throw new TokenizerLoadException(path, $"the precompiled_charsmap's trie size {trieSize} does not fit its {blob.Length} bytes.");
        _units = new uint[trieSize / 4];
        for (int i = 0; i < _units.Length; i++) _units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.Slice(4 + 4 * i));
        _normalized = blob[(4 + (int)trieSize)..].ToArray();
        if (_units.Length == 0) throw new TokenizerLoadException(path, "the precompiled_charsmap has an empty trie.");
    }

    // darts-clone DoubleArrayUnit accessors (darts.h).
    private static bool HasLeaf(uint u) => ((u >> 8) & 1) == 1;
    private static uint Value(uint u) => u & 0x7FFFFFFFu;
    private static uint Label(uint u) => u & (0x80000000u | 0xFFu);
    private static uint Offset(uint u) => (u >> 10) << (int)((u & (1u << 9)) >> 6);

    /// <summary>
    /// Finds the longest rule matching a prefix of <paramref name="input"/>; returns its length in bytes (0 if none)
    /// and the replacement bytes.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        int best = 0;
        uint bestValue = 0;
        uint node = Offset(_units[0]);
        for (int i = 0; i < input.Length; i++)
        {
            byte c = input[i];
            if (c == 0) break; // darts treats the key as a C string
            node ^= c;
            if (node >= _units.Length) break;
            uint unit = _units[node];
            if (Label(unit) != c) break;
            node ^= Offset(unit);
            if (node >= _units.Length) break;
            if (HasLeaf(unit))
            {
                best = i + 1;
                bestValue = Value(_units[node]);
            }
        }
        if (best == 0) return 0;
        if (bestValue >= _normalized.Length) return 0;
        var rest = _normalized.AsSpan((int)bestValue);
        int nul = rest.IndexOf((byte)0);
        replacement = nul < 0 ? rest : rest[..nul];
        return best;
    }
}
