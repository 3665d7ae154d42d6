using System.CommandLine;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress generate --model DIR (--input-ids 1,2,3 | --prompt TEXT) --max-new-tokens N`: greedy decoding.
/// With --prompt the model folder's tokenizer encodes the text and decodes the result, and tokens are printed as they come.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Decoder or encoder-decoder model folder, or a llama2.c .bin.", Required = true };
        var ids = new Option<string>("--input-ids") { Description = "Comma-separated prompt token ids (for seq2seq models: the encoder input)." };
        var prompt = new Option<string>("--prompt", "-p") { Description = "Prompt text, encoded with the model folder's tokenizer." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "How many tokens to generate at most.", DefaultValueFactory = _ => 64 };
        var cmd = new Command("generate", "Greedy decoding with a decoder or encoder-decoder model.") { model, ids, prompt, maxNew };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(ids), r.GetValue(prompt), r.GetValue(maxNew))));
        return cmd;
    }

    private static int Run(string modelPath, string? idsText, string? promptText, int maxNew)
    {
        if (maxNew < 0) throw new UsageException("--max-new-tokens must be 0 or more.");
        if (idsText is not null && promptText is not null) throw new UsageException("give either --input-ids or --prompt, not both.");
        var m = ModelLoader.Load(modelPath);
        // The generator rejects models that cannot generate; here the model is the user's choice, so say so in one line.
        if (m.Kind is ModelKind.MaskedLM or ModelKind.Encoder)
            throw new UsageException($"A {m.ModelType} {(m.Kind == ModelKind.Encoder ? "bare encoder" : "masked-LM model")} does not generate text; use a decoder or encoder-decoder model.");
        if (m.Kind == ModelKind.Seq2SeqLM && m.Generation.DecoderStartTokenId is null && m.Generation.BosTokenId is null)
            throw new UsageException($"{m.ModelType}: config.json has no decoder_start_token_id.");
        if (promptText is null)
        {
            int[] prompt = ParseIds(idsText) ?? (m.Generation.BosTokenId is int bos ? [bos] : throw new UsageException("--input-ids is required: the model's config names no bos_token_id to start from."));
            Console.WriteLine(string.Join(",", GreedyGenerator.Generate(m, prompt, maxNew)));
            return 0;
        }
        string tokenizerDir = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var tokenizer = AutoTokenizer.FromFolder(tokenizerDir);
        int[] encoded = tokenizer.EncodeToIds(promptText).ToArray();
        if (encoded.Length == 0 && m.Generation.BosTokenId is int b) encoded = [b];
        if (encoded.Length == 0) throw new UsageException("--prompt: the text encodes to no tokens and the model has no bos_token_id to start from.");
        // Stream the text: decode the growing sequence and print what is new, since a token may complete a multi-byte character.
        var generated = new List<int>();
        bool seq2seq = m.Kind == ModelKind.Seq2SeqLM;
        string shown = "";
        if (!seq2seq)
        {
            shown = tokenizer.Decode(encoded);
            Console.Write(shown);
        }
        GreedyGenerator.Generate(m, encoded, maxNew, id =>
        {
            generated.Add(id);
            string text = tokenizer.Decode(seq2seq ? generated : encoded.Concat(generated));
            if (text.StartsWith(shown, StringComparison.Ordinal))
            {
                Console.Write(text[shown.Length..]);
                shown = text;
            }
        });
        Console.WriteLine();
        return 0;
    }

    public static int[]? ParseIds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out int v) && v >= 0 ? v : throw new UsageException($"--input-ids: \"{s}\" is not a token id (expected non-negative integers separated by commas)."))
            .ToArray();
    }
}
