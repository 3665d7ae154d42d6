using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNet.Compression.Tests.Reporting;

/// <summary>
/// Just enough of a PNG decoder to tell a screenshot with content from a blank one: 8-bit greyscale, RGB or RGBA, not
/// interlaced (what Chromium writes). Rows are inflated from the IDAT chunks and unfiltered; pixels come back as RGB.
/// </summary>
public sealed class PngImage
{
    public int Width { get; }
    public int Height { get; }
    private readonly byte[] _pixels;
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels) => (Width, Height, _channels, _pixels) = (width, height, channels, pixels);

    /// <summary>The pixel at (x, y) as 0xRRGGBB.</summary>
    public int Rgb(int x, int y)
    {
        int i = (y * Width + x) * _channels;
        return _channels < 3 ? _pixels[i] * 0x010101 : _pixels[i] << 16 | _pixels[i + 1] << 8 | _pixels[i + 2];
    }

    /// <summary>
    /// Every second pixel in each direction, counted: distinct colours, pixels that are not near-white (r + g + b below
    /// 735), and strongly coloured ones (channel spread above 80; grey text and grid lines are not).
    /// </summary>
    public (int Colours, int NonWhite, int Saturated, int Sampled) Census()
    {
        var colours = new HashSet<int>();
        int nonWhite = 0, saturated = 0;
        for (int y = 0; y < Height; y += 2)
            for (int x = 0; x < Width; x += 2)
            {
                int c = Rgb(x, y);
                colours.Add(c);
                int r = c >> 16, g = c >> 8 & 255, b = c & 255;
                if (r + g + b < 735) nonWhite++;
                if (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 80) saturated++;
            }
        return (colours.Count, nonWhite, saturated, Width / 2 * (Height / 2));
    }

    public static PngImage Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 8 || BinaryPrimitives.ReadUInt64BigEndian(file) != 0x89504E470D0A1A0A) throw new InvalidDataException($"{path}: not a PNG.");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (int at = 8; at + 8 <= file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                if (data[8] != 8 || data[12] != 0) throw new NotSupportedException($"{path}: bit depth {data[8]}, interlace {data[12]}; only 8-bit non-interlaced is read.");
                channels = data[9] switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new NotSupportedException($"{path}: colour type {data[9]}.") };
            }
            else if (type == "IDAT") idat.Write(data);
            else if (type == "IEND") break;
            at += 12 + length;
        }
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(inflated);
        byte[] raw = inflated.ToArray();
        int stride = width * channels;
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var src = raw.AsSpan(y * (stride + 1) + 1, stride);
            var row = pixels.AsSpan(y * stride, stride);
            ReadOnlySpan<byte> up = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? row[i - channels] : 0, b = up[i], c = i >= channels ? up[i - channels] : 0;
                row[i] = (byte)(src[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"{path}: row {y} has filter {filter}."),
                });
            }
        }
        return new PngImage(width, height, channels, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
