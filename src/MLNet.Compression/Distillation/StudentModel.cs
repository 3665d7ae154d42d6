using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Distillation;

/// <summary>
/// A student made from a teacher by keeping some of its layers: the config.json it loads with, its weights under their
/// Hugging Face keys, and which teacher layer each student layer came from (student layer j is teacher layer
/// <c>TeacherLayers[j]</c>). The weights are copies, so training a loaded student never changes the teacher; two models
/// from <see cref="Load"/> share those copies, as <see cref="LanguageModel.Clone"/> shares weights.
/// </summary>
public sealed record StudentModel(ConfigJson Config, ITensorSource Weights, IReadOnlyList<int> TeacherLayers)
{
    /// <summary>Builds the student's model of its family from <see cref="Config"/> and <see cref="Weights"/>.</summary>
    public LanguageModel Load() => ModelLoader.FamilyOf(Config).Load(Config, Weights);
}
