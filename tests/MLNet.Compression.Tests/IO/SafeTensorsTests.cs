using System.Text;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.IO;

public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlnc-" + Guid.NewGuid().ToString("N")[..10]));
    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public class SafeTensorsTests
{
    /// <summary>A safetensors file with a hand-written header, for malformed cases.</summary>
    private static void WriteRaw(string path, string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((long)h.Length));
        fs.Write(h);
        fs.Write(new byte[dataBytes]);
    }

    private static CheckpointException Fails(string path) => Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path).Dispose());

    [Fact]
    public void Writer_RoundTripsEveryDtypeItWrites()
    {
        using var dir = new TempDir();
        string p = dir.File("t.safetensors");
        new SafeTensorsWriter().AddMetadata("format", "pt")
            .Add("f", [1.5f, -2f, 3f, 4f, 5f, 6f], 2, 3)
            .Add("i", [7L, -8L], 2)
            .Add("b", new sbyte[] { -128, 127 }, 2)
            .Save(p);
        using var f = SafeTensorsFile.Open(p);
        Assert.Equal([1.5f, -2f, 3f, 4f, 5f, 6f], f.ReadFloat32("f"));
        Assert.Equal([2, 3], f.Info("f").Shape);
        Assert.Equal([7L, -8L], f.ReadInt64("i"));
        Assert.Equal([-128L, 127L], f.ReadInt64("b"));
        Assert.Equal("pt", f.Metadata["format"]);
        long headerLen = BitConverter.ToInt64(File.ReadAllBytes(p), 0);
        Assert.Equal(0, headerLen % 8);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
    }

    [Fact]
    public void Reader_ConvertsHalfAndBFloat16ToFloat32()
    {
        using var dir = new TempDir();
        string p = dir.File("h.safetensors");
        var half = new byte[4];
        BitConverter.TryWriteBytes(half.AsSpan(0), (Half)1.5f);
        BitConverter.TryWriteBytes(half.AsSpan(2), (Half)(-0.25f));
        // bf16 is the top 16 bits of the float32: 3.0f = 0x40400000 → 0x4040
        var bf = new byte[] { 0x40, 0x40, 0x80, 0xBF }; // 3.0, -1.0
        new SafeTensorsWriter().Add("h", SafeTensorDType.F16, [2], half).Add("bf", SafeTensorDType.BF16, [2], bf).Save(p);
        using var f = SafeTensorsFile.Open(p);
        Assert.Equal([1.5f, -0.25f], f.ReadFloat32("h"));
        Assert.Equal([3f, -1f], f.ReadFloat32("bf"));
    }

    [Fact]
    public void TruncatedFile_IsReportedWithItsPath()
    {
        using var dir = new TempDir();
        string p = dir.File("short.safetensors");
        File.WriteAllBytes(p, [1, 2, 3]);
        var e = Fails(p);
        Assert.Contains(p, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void HeaderLengthPastEndOfFile_IsReported()
    {
        using var dir = new TempDir();
        string p = dir.File("h.safetensors");
        File.WriteAllBytes(p, [.. BitConverter.GetBytes(1000L), .. "{}"u8.ToArray()]);
        var e = Fails(p);
        Assert.Contains("header length 1000", e.Message);
    }

    [Fact]
    public void OffsetsOutOfRange_NameTheTensor()
    {
        using var dir = new TempDir();
        string p = dir.File("o.safetensors");
        WriteRaw(p, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8);
        var e = Fails(p);
        Assert.Equal("w", e.Key);
        Assert.Contains("past the data region", e.Message);
    }

    [Fact]
    public void OverlappingOffsets_NameBothTensors()
    {
        using var dir = new TempDir();
        string p = dir.File("o.safetensors");
        WriteRaw(p, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12);
        var e = Fails(p);
        Assert.Contains("overlap", e.Message);
        Assert.Contains("'a'", e.Message);
        Assert.Contains("'b'", e.Message);
    }

    [Fact]
    public void UnknownDtype_ListsTheKnownOnes()
    {
        using var dir = new TempDir();
        string p = dir.File("d.safetensors");
        WriteRaw(p, """{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}""", 2);
        var e = Fails(p);
        Assert.Equal("w", e.Key);
        Assert.Contains("unknown dtype \"F8_E4M3\"", e.Message);
        Assert.Contains("BF16", e.Message);
    }

    [Fact]
    public void ShapeAndByteLengthDisagreeing_IsReported()
    {
        using var dir = new TempDir();
        string p = dir.File("s.safetensors");
        WriteRaw(p, """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8);
        var e = Fails(p);
        Assert.Contains("needs 12 bytes but data_offsets give 8", e.Message);
    }

    [Fact]
    public void HeaderThatIsNotJson_IsReported()
    {
        using var dir = new TempDir();
        string p = dir.File("j.safetensors");
        WriteRaw(p, "{not json", 0);
        Assert.Contains("not valid JSON", Fails(p).Message);
    }

    [Fact]
    public void ShardedIndex_ResolvesEveryKeyToItsShard()
    {
        using var dir = new TempDir();
        new SafeTensorsWriter().Add("a", [1f, 2f], 2).Save(dir.File("model-00001-of-00002.safetensors"));
        new SafeTensorsWriter().Add("b", [3f], 1).Save(dir.File("model-00002-of-00002.safetensors"));
        File.WriteAllText(dir.File("model.safetensors.index.json"),
            """{"metadata":{"total_size":12},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}""");
        using var ck = SafeTensorsCheckpoint.Open(dir.Path);
        Assert.Equal([1f, 2f], ck.ReadFloat32("a"));
        Assert.Equal([3f], ck.ReadFloat32("b"));
        Assert.EndsWith("model-00002-of-00002.safetensors", ck.Describe("b"));
    }

    [Fact]
    public void ShardedIndex_NamingAMissingShard_IsReported()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.safetensors.index.json"), """{"weight_map":{"a":"nope.safetensors"}}""");
        var e = Assert.Throws<CheckpointException>(() => SafeTensorsCheckpoint.Open(dir.Path));
        Assert.Equal("a", e.Key);
        Assert.Contains("nope.safetensors", e.Message);
    }

    [Fact]
    public void PickleOnlyFolder_ExplainsWhySafetensorsIsRequired()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("config.json"), """{"model_type":"bert"}""");
        File.WriteAllBytes(dir.File("pytorch_model.bin"), [0x80, 0x02]);
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("safetensors", e.Message);
        Assert.Contains("executes code", e.Message);
    }
}
