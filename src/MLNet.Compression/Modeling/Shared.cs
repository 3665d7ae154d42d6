using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>Helpers the families share for reading config values that Hugging Face interprets the same way everywhere.</summary>
public static class ConfigFields
{
    /// <summary>Reads an activation name field (hidden_act, activation_function, ...), failing with the supported names.</summary>
    public static Activation Activation(ConfigJson c, string field, string defaultValue)
    {
        string name = c.String(field, defaultValue);
        return Activations.TryParse(name, out var a) ? a
            : throw c.Unsupported(field, name, "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, relu, silu, swish, tanh, linear");
    }

    /// <summary>Checks that hidden size divides into heads, as every HF attention module does at construction.</summary>
    public static int HeadDim(ConfigJson c, int hidden, int heads, string hiddenField, string headsField)
    {
        if (heads <= 0) throw new CheckpointException(c.Path, headsField, $"must be positive, got {heads}.");
        if (hidden % heads != 0)
            throw new CheckpointException(c.Path, hiddenField, $"{hidden} is not a multiple of {headsField} = {heads}.");
        return hidden / heads;
    }
}

/// <summary>Position index helpers.</summary>
public static class Positions
{
    /// <summary>0, 1, 2, … for every row (+ past length): [batch, length].</summary>
    public static int[] Arange(int batch, int length, int past = 0)
    {
        var p = new int[batch * length];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < length; t++) p[b * length + t] = past + t;
        return p;
    }

    /// <summary>
    /// Positions counted over real tokens only, for left padding: cumsum(mask) − 1 (padding gets 0 or a fixed pad value).
    /// OPT adds 2 to these; RoBERTa numbers from padding_idx + 1.
    /// </summary>
    public static int[] FromMask(int[] mask, int batch, int length, int offset, int padValue)
    {
        var p = new int[batch * length];
        for (int b = 0; b < batch; b++)
        {
            int count = 0;
            for (int t = 0; t < length; t++)
            {
                int m = mask[b * length + t];
                count += m;
                p[b * length + t] = m != 0 ? count - 1 + offset : padValue;
            }
        }
        return p;
    }
}
