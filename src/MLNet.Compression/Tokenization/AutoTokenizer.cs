using MLNet.Compression.IO;
namespace MLNet.Compression.Tokenization;

/// <summary>
/// Loads the right tokenizer from a model folder, like transformers' <c>AutoTokenizer.from_pretrained</c>:
/// tokenizer.json first, else the vocabulary files (vocab.txt; vocab.json + merges.txt; spiece.model;
/// tokenizer.model; llama2.c's tok512.bin / tokenizer.bin), with tokenizer_config.json and special_tokens_map.json honoured.
/// </summary>
public static class AutoTokenizer
{
    /// <summary>The model families whose tokenizers this loader knows (config.json model_type values).</summary>
    public static IReadOnlyList<string> KnownModelTypes { get; } =
        ["bert", "roberta", "distilbert", "albert", "gpt2", "gpt_neox", "opt", "llama", "t5", "bart"];

    /// <summary>config.json's model_type in <paramref name="dir"/>, or null.</summary>
    public static string? ReadModelType(string dir) => TokenizerConfig.ReadModelType(dir);

    /// <summary>Loads the tokenizer of the model in <paramref name="dir"/>.</summary>
    /// <exception cref="TokenizerLoadException">The folder has no tokenizer files, or one is malformed.</exception>
    public static Tokenizer FromFolder(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir)) throw new TokenizerLoadException(dir, "the folder does not exist.");
        var cfg = TokenizerConfig.Read(dir);
        string F(string name) => Path.Combine(dir, name);
        string cls = (cfg.TokenizerClass ?? "").Replace("Fast", "", StringComparison.Ordinal);
        string type = cfg.ModelType ?? "";

        Tokenizer tok;
        if (File.Exists(F("tokenizer.json")))
            tok = JsonTokenizer.FromFile(F("tokenizer.json"), cfg);
        else if (File.Exists(F("vocab.txt")))
            tok = LoadBert(F("vocab.txt"), cfg);
        else if (File.Exists(F("vocab.json")) || File.Exists(F("merges.txt")))
            tok = LoadByteLevel(F("vocab.json"), F("merges.txt"), cfg, cls, type);
        else if (File.Exists(F("spiece.model")))
            tok = LoadSpiece(F("spiece.model"), cfg, cls, type);
        else if (File.Exists(F("tokenizer.model")))
            tok = LoadLlama(F("tokenizer.model"), cfg);
        else if (File.Exists(F("tok512.bin")) || File.Exists(F("tokenizer.bin")))
            tok = Llama2CTokenizer.FromFile(File.Exists(F("tokenizer.bin")) ? F("tokenizer.bin") : F("tok512.bin"));
        else if (Directory.GetFiles(dir, "tok*.bin").FirstOrDefault() is { } llamaC)
            tok = Llama2CTokenizer.FromFile(llamaC);
        else if (SentenceTransformerLayout.TransformerSubfolder(dir) is { } module && Directory.Exists(module))
            return FromFolder(module);   // an older sentence-transformers folder: the tokenizer sits with its Transformer module
        else
            throw new TokenizerLoadException(dir, "no tokenizer files found (looked for tokenizer.json, vocab.txt, vocab.json + merges.txt, spiece.model, tokenizer.model, tok*.bin).");

        tok.SourceFolder = Path.GetFullPath(dir);
        if (cfg.ModelMaxLength is int max) tok.ModelMaxLength = max;
        tok.CleanUpTokenizationSpaces = cfg.Bool("clean_up_tokenization_spaces", tok.CleanUpTokenizationSpaces);
        if (tok is PreTrainedTokenizer pt)
            foreach (var a in cfg.AddedTokens)
                if (pt.AddedTokens.TryGetValue(a.Id, out var existing) is false || existing.Content != a.Content || existing.LStrip != a.LStrip || existing.RStrip != a.RStrip)
                    pt.AddToken(a);
        return tok;
    }

    private static BertTokenizer LoadBert(string vocab, TokenizerConfig cfg)
    {
        var defaults = new BertTokenizer.Options();
        return BertTokenizer.FromVocabFile(vocab, new BertTokenizer.Options
        {
            DoLowerCase = cfg.Bool("do_lower_case", true),
            StripAccents = cfg.NullableBool("strip_accents"),
            TokenizeChineseChars = cfg.Bool("tokenize_chinese_chars", true),
            DoBasicTokenize = cfg.Bool("do_basic_tokenize", true),
            SpecialTokens = cfg.SpecialTokens(defaults.SpecialTokens),
        });
    }

    private static Gpt2Tokenizer LoadByteLevel(string vocab, string merges, TokenizerConfig cfg, string cls, string type)
    {
        bool roberta = cls is "RobertaTokenizer" or "BartTokenizer" || (cls.Length == 0 && type is "roberta" or "bart");
        var defaults = roberta ? Gpt2Tokenizer.Options.Roberta : new Gpt2Tokenizer.Options();
        return Gpt2Tokenizer.FromFiles(vocab, merges, new Gpt2Tokenizer.Options
        {
            RobertaStyle = roberta,
            AddPrefixSpace = cfg.Bool("add_prefix_space", false),
            AddBosToken = cfg.Bool("add_bos_token", type == "opt"),
            SpecialTokens = cfg.SpecialTokens(defaults.SpecialTokens),
        });
    }

    private static Tokenizer LoadSpiece(string path, TokenizerConfig cfg, string cls, string type)
    {
        var processor = new SentencePieceProcessor(SentencePieceModel.Load(path), path);
        if (cls == "T5Tokenizer" || type == "t5" || (cls.Length == 0 && type.Length == 0))
        {
            int extra = (int)(cfg.Long("extra_ids") ?? 100);
            return new T5Tokenizer(processor, extra, cfg.AdditionalSpecialTokens());
        }
        if (cls == "LlamaTokenizer" || type == "llama")
            return new LlamaTokenizer(processor, cfg.Bool("add_bos_token", true), cfg.Bool("add_eos_token", false));
        // ALBERT: [CLS] A [SEP] B [SEP] over SentencePiece.
        var specials = cfg.SpecialTokens(new SpecialTokens { Bos = "[CLS]", Eos = "[SEP]", Unk = "<unk>", Sep = "[SEP]", Pad = "<pad>", Cls = "[CLS]", Mask = "[MASK]" });
        return new AlbertTokenizer(processor, specials, cfg.Bool("do_lower_case", true));
    }

    private static LlamaTokenizer LoadLlama(string path, TokenizerConfig cfg)
    {
        var processor = new SentencePieceProcessor(SentencePieceModel.Load(path), path);
        var specials = cfg.SpecialTokens(new SpecialTokens { Bos = "<s>", Eos = "</s>", Unk = "<unk>" });
        return new LlamaTokenizer(processor, cfg.Bool("add_bos_token", true), cfg.Bool("add_eos_token", false), specials);
    }
}
