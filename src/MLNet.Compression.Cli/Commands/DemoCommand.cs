using System.CommandLine;
using System.Diagnostics;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress demo [-o DIR]`: the end-to-end run of what exists so far, on models the tool makes itself.
/// It creates small randomly initialised models of every family, saves each as a Hugging Face folder, loads it back
/// (the real loading path), checks the logits survive the round trip bit for bit, times a forward pass and greedy
/// decoding, and, when ../shared/data holds the real llama2.c model, writes text with it.
/// </summary>
public static class DemoCommand
{
    private static readonly (string Name, string Config)[] Models =
    [
        ("bert", """{"model_type":"bert","vocab_size":1000,"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"max_position_embeddings":128}"""),
        ("distilbert", """{"model_type":"distilbert","vocab_size":1000,"dim":128,"hidden_dim":512,"n_layers":2,"n_heads":4,"max_position_embeddings":128}"""),
        ("albert", """{"model_type":"albert","vocab_size":1000,"embedding_size":64,"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"max_position_embeddings":128}"""),
        ("roberta", """{"model_type":"roberta","vocab_size":1000,"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"max_position_embeddings":130,"pad_token_id":1}"""),
        ("gpt2", """{"model_type":"gpt2","vocab_size":1000,"n_embd":128,"n_layer":2,"n_head":4,"n_positions":128,"bos_token_id":0,"eos_token_id":999}"""),
        ("gpt_neox", """{"model_type":"gpt_neox","vocab_size":1000,"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":512,"rotary_pct":0.25,"max_position_embeddings":128,"eos_token_id":999}"""),
        ("opt", """{"model_type":"opt","vocab_size":1000,"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":4,"ffn_dim":512,"max_position_embeddings":128,"word_embed_proj_dim":128,"eos_token_id":999}"""),
        ("llama", """{"model_type":"llama","vocab_size":1000,"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"intermediate_size":344,"max_position_embeddings":128,"eos_token_id":999}"""),
        ("t5", """{"model_type":"t5","vocab_size":1000,"d_model":128,"d_kv":32,"d_ff":512,"num_layers":2,"num_heads":4,"feed_forward_proj":"gated-gelu","tie_word_embeddings":false,"decoder_start_token_id":0,"eos_token_id":999}"""),
        ("bart", """{"model_type":"bart","vocab_size":1000,"d_model":128,"encoder_layers":2,"decoder_layers":2,"encoder_attention_heads":4,"decoder_attention_heads":4,"encoder_ffn_dim":512,"decoder_ffn_dim":512,"max_position_embeddings":128,"eos_token_id":999,"forced_eos_token_id":999}"""),
    ];

    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the models the demo makes.", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "mlnet-compress-demo") };
        var cmd = new Command("demo", "Make, save, reload and run a small model of every family, then write text with the real llama2.c model if ../shared has it.") { output };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(output)!)));
        return cmd;
    }

    private static int Run(string outDir)
    {
        var table = new Table().AddColumn("family").AddColumn("kind").AddColumn(new TableColumn("parameters").RightAligned())
            .AddColumn("round trip").AddColumn(new TableColumn("forward 4×64").RightAligned()).AddColumn("greedy (16 tokens)");
        var rng = new Random(7);
        int failures = 0;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask("families", maxValue: Models.Length);
            foreach (var (name, json) in Models)
            {
                task.Description = name;
                var model = ModelLoader.CreateRandom(ConfigJson.Parse(json, name + " (demo config)"), seed: 1, std: 0.2f);
                string folder = Path.Combine(outDir, name);
                HuggingFaceExporter.Save(model, folder);
                var loaded = ModelLoader.Load(folder);
                var ids = Enumerable.Range(0, 4 * 64).Select(_ => rng.Next(3, 998)).ToArray();
                var tokens = new TokenBatch(4, 64, ids);
                var input = loaded.Kind == ModelKind.Seq2SeqLM ? new ModelInput(tokens, Decoder: tokens) : new ModelInput(tokens);
                var a = model.Forward(input).Logits;
                var sw = Stopwatch.StartNew();
                var b = loaded.Forward(input).Logits;
                sw.Stop();
                bool same = a.ReadOnlySpan.SequenceEqual(b.ReadOnlySpan);
                if (!same) failures++;
                string greedy = loaded.Kind == ModelKind.MaskedLM ? "(masked LM)" : string.Join(" ", GreedyGenerator.Generate(loaded, ids[..5], 16).TakeLast(6)) + " …";
                table.AddRow(name, loaded.Kind.ToString(), $"{loaded.ParameterCount():N0}", same ? "[green]identical[/]" : "[red]DIFFERS[/]", $"{sw.Elapsed.TotalMilliseconds:F1} ms", greedy);
                task.Increment(1);
            }
        });
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Models saved under [blue]{Markup.Escape(outDir)}[/]; try `mlnet-compress info --model {Markup.Escape(Path.Combine(outDir, "llama"))}`.");

        string? llama = FindShared("data/models/aidreams260K");
        if (llama is not null)
        {
            var model = ModelLoader.Load(llama);
            var tok = AutoTokenizer.FromFolder(llama);
            const string prompt = "The night sky";
            var ids = GreedyGenerator.Generate(model, tok.EncodeToIds(prompt).ToArray(), 80);
            AnsiConsole.MarkupLine($"\n[bold]Real llama2.c model[/] ({model.ParameterCount():N0} parameters) from {Markup.Escape(llama)}:");
            Console.WriteLine(tok.Decode(ids));
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>../shared beside the repository (walking up from the working directory and the tool), or $MLNET_SHARED.</summary>
    internal static string? FindShared(string relative)
    {
        string? env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(Path.Combine(env, relative))) return Path.Combine(env, relative);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "shared", relative);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
