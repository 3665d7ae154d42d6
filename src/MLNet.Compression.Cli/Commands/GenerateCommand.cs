using System.CommandLine;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Cli.Commands;

/// <summary>`mlnet-compress generate --model DIR --input-ids 1,2,3 --max-new-tokens N`: greedy decoding.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Decoder or encoder-decoder model folder, or a llama2.c .bin.", Required = true };
        var ids = new Option<string>("--input-ids") { Description = "Comma-separated prompt token ids (for seq2seq models: the encoder input)." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "How many tokens to generate at most.", DefaultValueFactory = _ => 32 };
        var cmd = new Command("generate", "Greedy decoding with a decoder or encoder-decoder model.") { model, ids, maxNew };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(ids), r.GetValue(maxNew))));
        return cmd;
    }

    private static int Run(string modelPath, string? idsText, int maxNew)
    {
        if (maxNew < 0) throw new ArgumentException("--max-new-tokens must be 0 or more.");
        var m = ModelLoader.Load(modelPath);
        int[] prompt = ParseIds(idsText) ?? (m.Generation.BosTokenId is int bos ? [bos] : throw new ArgumentException("--input-ids is required: the model's config names no bos_token_id to start from."));
        var output = GreedyGenerator.Generate(m, prompt, maxNew);
        Console.WriteLine(string.Join(",", output));
        return 0;
    }

    public static int[]? ParseIds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out int v) && v >= 0 ? v : throw new FormatException($"--input-ids: \"{s}\" is not a token id (expected non-negative integers separated by commas)."))
            .ToArray();
    }
}
