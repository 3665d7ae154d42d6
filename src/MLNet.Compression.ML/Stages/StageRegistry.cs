using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLNet.Compression.ML.Rows;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// Which stage each fitted or loaded language-model CustomMapping runs. ML.NET keeps the map action private and saves only
/// the contract name, so the state is attached to the transformer object here (weakly: a dropped pipeline frees its
/// models), and found again by walking a pipeline in order.
/// </summary>
internal static class StageRegistry
{
    private static readonly ConditionalWeakTable<ITransformer, LanguageModelStage> Stages = new();

    public static void Register(ITransformer mapping, LanguageModelStage stage) => Stages.AddOrUpdate(mapping, stage);

    /// <summary>The language-model mappings of a pipeline in the order ML.NET saves and loads them (depth first through chains).</summary>
    public static IEnumerable<ITransformer> Mappings(ITransformer transformer)
    {
        if (IsStageMapping(transformer)) { yield return transformer; yield break; }
        if (transformer is IEnumerable<ITransformer> chain)
            foreach (var inner in chain)
                foreach (var m in Mappings(inner)) yield return m;
    }

    /// <summary>The stages of a pipeline in order; a language-model mapping without one (loaded by plain Model.Load) is an error.</summary>
    public static IReadOnlyList<LanguageModelStage> StagesOf(ITransformer transformer)
        => Mappings(transformer).Select((m, i) => Stages.TryGetValue(m, out var s) ? s
            : throw new InvalidOperationException($"language-model stage {i} of this pipeline has no model attached; a pipeline with language-model stages is loaded with mlContext.Model.LoadWithLanguageModels.")).ToList();

    /// <summary>A CustomMapping whose row classes are this package's.</summary>
    private static bool IsStageMapping(ITransformer t)
    {
        var type = t.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(CustomMappingTransformer<,>)
            && type.GetGenericArguments()[1].Assembly == typeof(TextRow).Assembly;
    }
}
