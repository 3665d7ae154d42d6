using System.Globalization;
using System.Runtime.InteropServices;

namespace MLNet.Compression.Export.Onnx;

/// <summary>TensorProto.DataType values (onnx/onnx.proto).</summary>
internal enum OnnxType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    BFloat16 = 16,
}

/// <summary>A node attribute (AttributeProto): one int, float, string or list of ints/floats.</summary>
internal readonly record struct OnnxAttribute(string Name, object Value)
{
    public static implicit operator OnnxAttribute((string Name, long Value) a) => new(a.Name, a.Value);
    public static implicit operator OnnxAttribute((string Name, int Value) a) => new(a.Name, (long)a.Value);
    public static implicit operator OnnxAttribute((string Name, float Value) a) => new(a.Name, a.Value);
    public static implicit operator OnnxAttribute((string Name, string Value) a) => new(a.Name, a.Value);
    public static implicit operator OnnxAttribute((string Name, long[] Value) a) => new(a.Name, a.Value);
}

/// <summary>
/// An ONNX graph under construction: named inputs and outputs with symbolic (dim_param) or fixed dimensions, initializers
/// (constant tensors), and nodes whose outputs get fresh names. <see cref="Save"/> writes a ModelProto for opset 17 of the
/// default domain (plus com.microsoft where a node uses it), putting large initializers in an external data file when asked.
/// Field numbers are those of onnx/onnx.proto (IR version 8, the one that goes with opset 17).
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>ONNX IR version 8 (ONNX 1.12/1.13, the release of opset 17).</summary>
    public const long IrVersion = 8;
    public const long Opset = 17;
    public const string MicrosoftDomain = "com.microsoft";
    /// <summary>com.microsoft contrib ops are versioned 1 (onnxruntime/docs/ContribOperators.md).</summary>
    public const long MicrosoftOpset = 1;

    private sealed record Initializer(string Name, OnnxType Type, long[] Dims, byte[] Raw);

    private sealed record ValueInfo(string Name, OnnxType Type, object[] Dims);

    private readonly List<ProtoWriter> _nodes = new();
    private readonly List<Initializer> _initializers = new();
    private readonly List<ValueInfo> _inputs = new();
    private readonly List<ValueInfo> _outputs = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<object, string> _shared = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> _scalars = new(StringComparer.Ordinal);
    private int _counter;
    private bool _usesMicrosoft;

    public string Name { get; init; } = "main";

    /// <summary>Bytes of all initializers' data.</summary>
    public long InitializerBytes { get; private set; }

    /// <summary>A graph input; each dim is an int (fixed) or a string (a named dynamic axis, dim_param).</summary>
    public string Input(string name, OnnxType type, params object[] dims)
    {
        Claim(name);
        _inputs.Add(new(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as a graph output under <paramref name="name"/> (an Identity renames it if needed).</summary>
    public void Output(string value, string name, OnnxType type, params object[] dims)
    {
        if (value != name)
        {
            Claim(name);
            Node("Identity", [value], [name]);
        }
        _outputs.Add(new(name, type, dims));
    }

    /// <summary>A float32 initializer; <paramref name="owner"/> (the array it came from) lets a tied weight be written once.</summary>
    public string Float(string name, ReadOnlySpan<float> data, long[] dims, object? owner = null)
    {
        if (owner is not null && _shared.TryGetValue(owner, out var existing)) return existing;
        var n = AddInitializer(name, OnnxType.Float, dims, MemoryMarshal.AsBytes(data).ToArray());
        if (owner is not null) _shared[owner] = n;
        return n;
    }

    /// <summary>An initializer from raw little-endian bytes; <paramref name="owner"/> as for <see cref="Float"/>.</summary>
    public string Raw(string name, OnnxType type, byte[] raw, long[] dims, object? owner = null)
    {
        if (owner is not null && _shared.TryGetValue(owner, out var existing)) return existing;
        var n = AddInitializer(name, type, dims, raw);
        if (owner is not null) _shared[owner] = n;
        return n;
    }

    /// <summary>The name an initializer made from <paramref name="owner"/> already has, if any.</summary>
    public string? Shared(object owner) => _shared.TryGetValue(owner, out var n) ? n : null;

    public void Share(object owner, string name) => _shared[owner] = name;

    /// <summary>An int64 vector constant (shapes, axes, indices), one initializer per distinct value.</summary>
    public string Int64s(params long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (_scalars.TryGetValue(key, out var n)) return n;
        n = AddInitializer(Fresh("const_i64"), OnnxType.Int64, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        return _scalars[key] = n;
    }

    /// <summary>An int64 scalar (rank 0) constant.</summary>
    public string Int64Scalar(long value)
    {
        string key = "i64s:" + value.ToString(CultureInfo.InvariantCulture);
        if (_scalars.TryGetValue(key, out var n)) return n;
        n = AddInitializer(Fresh("const_i64s"), OnnxType.Int64, [], BitConverter.GetBytes(value));
        return _scalars[key] = n;
    }

    /// <summary>A float32 scalar (rank 0) constant.</summary>
    public string FloatScalar(float value)
    {
        string key = "f32:" + BitConverter.SingleToInt32Bits(value).ToString(CultureInfo.InvariantCulture);
        if (_scalars.TryGetValue(key, out var n)) return n;
        n = AddInitializer(Fresh("const_f32"), OnnxType.Float, [], BitConverter.GetBytes(value));
        return _scalars[key] = n;
    }

    /// <summary>A float64 scalar (rank 0) constant.</summary>
    public string DoubleScalar(double value)
    {
        string key = "f64:" + BitConverter.DoubleToInt64Bits(value).ToString(CultureInfo.InvariantCulture);
        if (_scalars.TryGetValue(key, out var n)) return n;
        n = AddInitializer(Fresh("const_f64"), OnnxType.Double, [], BitConverter.GetBytes(value));
        return _scalars[key] = n;
    }

    /// <summary>A node with one output; returns the output's name.</summary>
    public string Node(string op, string[] inputs, params OnnxAttribute[] attributes)
        => Node(op, inputs, [Fresh(op)], attributes)[0];

    /// <summary>A node with a com.microsoft op type (contrib op); returns the output's name.</summary>
    public string MicrosoftNode(string op, string[] inputs, params OnnxAttribute[] attributes)
    {
        _usesMicrosoft = true;
        return Node(op, inputs, [Fresh(op)], attributes, MicrosoftDomain)[0];
    }

    /// <summary>A node with named outputs; an empty input name is an omitted optional input.</summary>
    public string[] Node(string op, string[] inputs, string[] outputs, OnnxAttribute[]? attributes = null, string domain = "")
    {
        var node = new ProtoWriter();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs)
        {
            _names.Add(o);
            node.String(2, o);
        }
        node.String(3, Fresh("n_" + op));
        node.String(4, op);
        foreach (var a in attributes ?? []) node.Message(5, Attribute(a));
        if (domain.Length > 0) node.String(7, domain);
        _nodes.Add(node);
        return outputs;
    }

    /// <summary>A unique value name starting with <paramref name="stem"/>.</summary>
    public string Fresh(string stem)
    {
        string n;
        do n = $"{stem}_{_counter++}"; while (_names.Contains(n));
        _names.Add(n);
        return n;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"ONNX value name {name} is used twice.");
    }

    private string AddInitializer(string name, OnnxType type, long[] dims, byte[] raw)
    {
        if (_names.Contains(name)) name = Fresh(name);
        else _names.Add(name);
        _initializers.Add(new(name, type, dims, raw));
        InitializerBytes += raw.Length;
        return name;
    }

    private static ProtoWriter Attribute(OnnxAttribute a)
    {
        // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
        var w = new ProtoWriter().String(1, a.Name);
        switch (a.Value)
        {
            case long i: w.Int(3, i).Int(20, 2); break;
            case float f: w.Float(2, f).Int(20, 1); break;
            case string s: w.String(4, s).Int(20, 3); break;
            case long[] ints:
                foreach (var v in ints) w.Int(8, v);
                w.Int(20, 7);
                break;
            default: throw new ArgumentException($"attribute {a.Name}: unsupported value {a.Value.GetType().Name}.");
        }
        return w;
    }

    private static ProtoWriter ValueInfoProto(ValueInfo v)
    {
        // ValueInfoProto { name 1, type 2 }; TypeProto { tensor_type 1 }; TypeProto.Tensor { elem_type 1, shape 2 };
        // TensorShapeProto { dim 1 }; Dimension { dim_value 1 | dim_param 2 }.
        var shape = new ProtoWriter();
        foreach (var d in v.Dims)
        {
            var dim = new ProtoWriter();
            if (d is string p) dim.String(2, p);
            else dim.Int(1, Convert.ToInt64(d, CultureInfo.InvariantCulture));
            shape.Message(1, dim);
        }
        var tensor = new ProtoWriter().Int(1, (int)v.Type).Message(2, shape);
        var type = new ProtoWriter().Message(1, tensor);
        return new ProtoWriter().String(1, v.Name).Message(2, type);
    }

    /// <summary>
    /// Writes the ModelProto to <paramref name="path"/>. When <paramref name="externalDataName"/> is given, every initializer of
    /// at least <paramref name="externalMinBytes"/> bytes goes to that file beside the model (TensorProto.external_data with
    /// location, offset and length; data_location EXTERNAL), as protobuf cannot hold a message above 2 GB
    /// (onnx/docs/ExternalData.md).
    /// </summary>
    public void Save(string path, IReadOnlyDictionary<string, string> metadata, string? externalDataName = null, int externalMinBytes = 1024)
    {
        // TensorProto: dims 1, data_type 2, name 8, raw_data 9, external_data 13, data_location 14.
        var tensors = new List<(ProtoWriter Head, byte[]? Raw)>();
        FileStream? data = null;
        try
        {
            if (externalDataName is not null)
                data = new FileStream(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, externalDataName), FileMode.Create, FileAccess.Write);
            foreach (var t in _initializers)
            {
                var head = new ProtoWriter();
                foreach (var d in t.Dims) head.Int(1, d);
                head.Int(2, (int)t.Type).String(8, t.Name);
                if (data is not null && t.Raw.Length >= externalMinBytes)
                {
                    // Offsets aligned to 4 KiB so a runtime may memory-map each tensor (ExternalData.md recommends page alignment).
                    long offset = (data.Position + 4095) / 4096 * 4096;
                    data.Position = offset;
                    data.Write(t.Raw);
                    head.Message(13, new ProtoWriter().String(1, "location").String(2, externalDataName!));
                    head.Message(13, new ProtoWriter().String(1, "offset").String(2, offset.ToString(CultureInfo.InvariantCulture)));
                    head.Message(13, new ProtoWriter().String(1, "length").String(2, t.Raw.Length.ToString(CultureInfo.InvariantCulture)));
                    head.Int(14, 1);
                    tensors.Add((head, null));
                }
                else tensors.Add((head, t.Raw));
            }
        }
        finally
        {
            data?.Dispose();
        }

        // GraphProto: node 1, name 2, initializer 5, input 11, output 12.
        var small = new ProtoWriter();
        foreach (var n in _nodes) small.Message(1, n);
        small.String(2, Name);
        foreach (var i in _inputs) small.Message(11, ValueInfoProto(i));
        foreach (var o in _outputs) small.Message(12, ValueInfoProto(o));
        long graphLength = small.Length;
        var tensorLengths = new long[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            var (head, raw) = tensors[i];
            long len = head.Length + (raw is null ? 0 : ProtoWriter.FieldOverhead(9, raw.Length) + raw.Length);
            tensorLengths[i] = len;
            graphLength += ProtoWriter.FieldOverhead(5, len) + len;
        }
        if (graphLength > int.MaxValue)
            throw new InvalidOperationException($"The ONNX graph would be {graphLength:N0} bytes, above protobuf's 2 GB limit; export with external data.");

        // ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8, metadata_props 14.
        var model = new ProtoWriter().Int(1, IrVersion).String(2, "MLNet.Compression").String(3, ProducerVersion);
        model.Message(8, new ProtoWriter().String(1, "").Int(2, Opset));
        if (_usesMicrosoft) model.Message(8, new ProtoWriter().String(1, MicrosoftDomain).Int(2, MicrosoftOpset));
        foreach (var (k, v) in metadata) model.Message(14, new ProtoWriter().String(1, k).String(2, v));
        model.LengthPrefix(7, graphLength);

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        file.Write(model.WrittenSpan);
        file.Write(small.WrittenSpan);
        for (int i = 0; i < tensors.Count; i++)
        {
            var (head, raw) = tensors[i];
            var prefix = new ProtoWriter().LengthPrefix(5, tensorLengths[i]);
            file.Write(prefix.WrittenSpan);
            file.Write(head.WrittenSpan);
            if (raw is null) continue;
            file.Write(new ProtoWriter().LengthPrefix(9, raw.Length).WrittenSpan);
            file.Write(raw);
        }
    }

    private static string ProducerVersion => typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0";
}
