namespace MLNet.Compression.Synthetic;

/// <summary>The model families <see cref="WorldModelTrainer"/> trains on a world.</summary>
public enum ModelArchitecture
{
    /// <summary>A BERT-style masked LM on the world's WordPiece vocabulary (config model_type "bert").</summary>
    Bert,

    /// <summary>A GPT-2-style causal LM on the world's byte-level BPE (config model_type "gpt2").</summary>
    Gpt2,

    /// <summary>A Llama-style causal LM (RMSNorm, rotary positions, gated SiLU MLP) on the world's byte-level BPE (config model_type "llama").</summary>
    Llama,
}
