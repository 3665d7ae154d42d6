namespace MLNet.Compression.IO;

/// <summary>The element types of the safetensors format that this project reads and writes.</summary>
public enum SafeTensorDType
{
    F32, F16, BF16, F64, I8, U8, I16, I32, I64, BOOL,
}

public static class SafeTensorDTypes
{
    public static bool TryParse(string s, out SafeTensorDType dtype)
    {
        switch (s)
        {
            case "F32": dtype = SafeTensorDType.F32; return true;
            case "F16": dtype = SafeTensorDType.F16; return true;
            case "BF16": dtype = SafeTensorDType.BF16; return true;
            case "F64": dtype = SafeTensorDType.F64; return true;
            case "I8": dtype = SafeTensorDType.I8; return true;
            case "U8": dtype = SafeTensorDType.U8; return true;
            case "I16": dtype = SafeTensorDType.I16; return true;
            case "I32": dtype = SafeTensorDType.I32; return true;
            case "I64": dtype = SafeTensorDType.I64; return true;
            case "BOOL": dtype = SafeTensorDType.BOOL; return true;
            default: dtype = default; return false;
        }
    }

    public static int ElementSize(this SafeTensorDType d) => d switch
    {
        SafeTensorDType.F64 or SafeTensorDType.I64 => 8,
        SafeTensorDType.F32 or SafeTensorDType.I32 => 4,
        SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.I16 => 2,
        _ => 1,
    };

    public static string Name(this SafeTensorDType d) => d.ToString();
}
