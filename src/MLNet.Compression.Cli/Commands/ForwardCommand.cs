using System.CommandLine;
using System.Text.Json;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress forward --model DIR --inputs INPUTS.json --out OUT.safetensors`: one forward pass, written under the names
/// Hugging Face's reference files use (logits, hidden_states.N or encoder_/decoder_hidden_states.N).
/// </summary>
public static class ForwardCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder.", Required = true };
        var inputs = new Option<string>("--inputs") { Description = "JSON with input_ids, attention_mask and, where the family takes them, token_type_ids, decoder_input_ids, decoder_attention_mask.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output .safetensors path.", Required = true };
        var cmd = new Command("forward", "Run one forward pass and save logits and hidden states as safetensors.") { model, inputs, output };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(inputs)!, r.GetValue(output)!)));
        return cmd;
    }

    private static int Run(string modelPath, string inputsPath, string outPath)
    {
        OutputFile.CheckReplaceable(outPath, OutputKind, IsEarlierOutput);
        var m = ModelLoader.Load(modelPath);
        var input = ReadInputs(inputsPath, m.Kind == ModelKind.Seq2SeqLM);
        var result = m.Forward(input, new ForwardOptions { OutputHiddenStates = true });
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt").AddMetadata("producer", Producer);
        writer.Add("logits", result.Logits.Data, result.Logits.Shape);
        void AddStates(string prefix, IReadOnlyList<Tensors.Tensor> states)
        {
            for (int i = 0; i < states.Count; i++) writer.Add($"{prefix}.{i}", states[i].Data, states[i].Shape);
        }
        AddStates("hidden_states", result.HiddenStates);
        AddStates("encoder_hidden_states", result.EncoderHiddenStates);
        AddStates("decoder_hidden_states", result.DecoderHiddenStates);
        if (result.EncoderLastHiddenState is { } enc) writer.Add("encoder_last_hidden_state", enc.Data, enc.Shape);
        OutputFile.Write(outPath, OutputKind, IsEarlierOutput, () => writer.Save(outPath));
        Console.WriteLine($"wrote {outPath}: logits [{string.Join(", ", result.Logits.Shape)}]");
        return 0;
    }

    private const string Producer = "mlnet-compress forward";
    private const string OutputKind = "forward output (safetensors written by mlnet-compress forward)";

    private static bool IsEarlierOutput(string path) => EarlierOutput.IsSafeTensorsFrom(path, Producer);

    /// <summary>Reads the same object as the "inputs" field of the fixtures' reference.json (a whole reference.json also works).</summary>
    public static ModelInput ReadInputs(string path, bool seq2seq)
    {
        if (!File.Exists(path)) throw new UsageException($"{path}: inputs file not found.");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllBytes(path)).RootElement; }
        catch (JsonException e) { throw new UsageException($"{path}: not valid JSON ({e.Message})."); }
        if (root.TryGetProperty("inputs", out var nested) && nested.ValueKind == JsonValueKind.Object) root = nested;
        int[][] Matrix(string field, bool required)
        {
            if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
                return required ? throw new UsageException($"{path}: missing field \"{field}\" (expected a list of lists of token ids).") : [];
            if (v.ValueKind != JsonValueKind.Array) throw new UsageException($"{path}: field \"{field}\" must be a list of lists of integers.");
            var rows = v.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.Array
                ? r.EnumerateArray().Select(x => x.TryGetInt32(out int i) ? i : throw new UsageException($"{path}: \"{field}\" holds {x.GetRawText()}, expected integers.")).ToArray()
                : throw new UsageException($"{path}: field \"{field}\" must be a list of lists of integers.")).ToArray();
            if (rows.Length == 0 || rows.Any(r => r.Length != rows[0].Length))
                throw new UsageException($"{path}: field \"{field}\" must be a non-empty rectangular list of rows (pad rows to one length).");
            return rows;
        }
        TokenBatch Batch(string idsField, string maskField, bool required)
        {
            var ids = Matrix(idsField, required);
            var mask = Matrix(maskField, false);
            if (mask.Length > 0 && (mask.Length != ids.Length || mask[0].Length != ids[0].Length))
                throw new UsageException($"{path}: \"{maskField}\" must have the shape of \"{idsField}\" [{ids.Length}, {ids[0].Length}].");
            return new TokenBatch(ids.Length, ids[0].Length, ids.SelectMany(r => r).ToArray(), mask.Length > 0 ? mask.SelectMany(r => r).ToArray() : null);
        }
        var tokens = Batch("input_ids", "attention_mask", true);
        var types = Matrix("token_type_ids", false);
        TokenBatch? decoder = seq2seq ? Batch("decoder_input_ids", "decoder_attention_mask", true) : null;
        return new ModelInput(tokens, types.Length > 0 ? types.SelectMany(r => r).ToArray() : null, decoder);
    }
}
