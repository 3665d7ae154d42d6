namespace MLNet.Compression.Tokenization;

/// <summary>
/// GPT-2's reversible byte → printable character table (openai/gpt-2 encoder.py <c>bytes_to_unicode</c>): the printable
/// Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onward in byte order, so that BPE never sees
/// whitespace or control characters.
/// </summary>
public static class ByteLevel
{
    private static readonly char[] ByteToChar = Build();
    private static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] Build()
    {
        var map = new char[256];
        var direct = new bool[256];
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++) map[b] = direct[b] ? (char)b : (char)(256 + n++);
        return map;
    }

    /// <summary>The character standing for byte <paramref name="b"/>.</summary>
    public static char Encode(byte b) => ByteToChar[b];

    /// <summary>The byte a character stands for, or false if it is not in the table.</summary>
    public static bool TryDecode(char c, out byte b) => CharToByte.TryGetValue(c, out b);
}
