namespace MLNet.Compression.Modeling;

/// <summary>How a family predicts tokens, which decides how evaluators score it.</summary>
public enum ModelKind
{
    /// <summary>Encoder with a masked-LM head (BERT, RoBERTa, DistilBERT, ALBERT).</summary>
    MaskedLM,
    /// <summary>Decoder with a next-token head (GPT-2, GPT-NeoX, OPT, Llama).</summary>
    CausalLM,
    /// <summary>Encoder-decoder with an LM head on the decoder (T5, BART).</summary>
    Seq2SeqLM,
    /// <summary>
    /// A bare encoder without an LM head (BertModel, RobertaModel, DistilBertModel, AlbertModel, sentence-transformers
    /// models): hidden states and, where the checkpoint has one, the pooler output; no logits.
    /// </summary>
    Encoder,
}
