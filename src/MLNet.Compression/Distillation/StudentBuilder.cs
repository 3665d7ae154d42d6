using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Albert;

namespace MLNet.Compression.Distillation;

/// <summary>
/// Builds a smaller student from a teacher by keeping some of its layers, as DistilBERT initialises its 6-layer student
/// from BERT's layers [0, 2, 4, 7, 9, 11] (Sanh et al. 2019, §3; transformers/examples/research_projects/distillation/
/// scripts/extract_distilbert.py), for every family ModelLoader knows.
/// </summary>
public static class StudentBuilder
{
    /// <summary>
    /// How many teacher layers a student's list chooses from: the depth of the teacher's stack; for t5 and bart, whose one
    /// list selects both encoder and decoder layers, the shallower of the two.
    /// </summary>
    public static int LayerCountOf(LanguageModel teacher) => LayerStack.Of(teacher).Min(s => s.Depth);

    /// <summary>A student with the <see cref="StudentLayers.Default"/> layers of the teacher.</summary>
    public static StudentModel FromTeacher(LanguageModel teacher)
        => FromTeacher(teacher, StudentLayers.Default(LayerCountOf(teacher)));

    /// <summary>
    /// A student with the chosen teacher layers, in the given order; every other weight (embeddings, norms, heads, position
    /// tables, T5's relative bias tables) is copied from the teacher, and config.json equals the teacher's but for the
    /// layer-count field(s). Teacher layer <c>layers[j]</c>'s weights become student layer j's.
    /// <list type="bullet">
    /// <item>t5 and bart: the same list selects encoder and decoder layers, so each index must exist in both stacks.</item>
    /// <item>t5: only block 0 of each stack holds the relative position bias table; the student's block 0 gets the teacher's
    /// block-0 table even when layer 0 is not kept.</item>
    /// <item>albert: the layers share their weights (num_hidden_groups groups applied num_hidden_layers times), so only the
    /// count matters: the student is the same weights with num_hidden_layers = layers.Count. With more than one group,
    /// AlbertTransformer reassigns groups to layers by the new count (layer j runs group int(j / (count / groups))), so a list is
    /// accepted only when each student layer runs the group its teacher layer ran.</item>
    /// <item>gpt2 with scale_attn_by_inverse_layer_idx: attention in layer j is scaled by 1/(j + 1), so a kept layer is
    /// scaled by its new position, as GPT2Attention would scale it in a model of the student's depth.</item>
    /// </list>
    /// The teacher's linear layers are read in their dense form (<see cref="ModelTensorSource"/>): the student of a compressed
    /// teacher is dense. Weights are tied in the student as in the teacher, since both follow the same config.json.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, not strictly increasing, or names a layer the teacher lacks; the message starts with "--student-layers:".</exception>
    /// <exception cref="InvalidOperationException">The teacher has no config.json (<see cref="LanguageModel.Config"/> is null).</exception>
    public static StudentModel FromTeacher(LanguageModel teacher, IReadOnlyList<int> layers)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(layers);
        var config = teacher.Config ?? throw new InvalidOperationException(
            $"This {teacher.ModelType} teacher has no config.json to build a student from.");
        var stacks = LayerStack.Of(teacher);
        StudentLayers.CheckOrder(layers);
        foreach (var stack in stacks) StudentLayers.CheckRange(layers, stack.Depth, stack.Name);
        if (teacher is AlbertForMaskedLM albert) CheckAlbertGroups(albert.AlbertConfig, layers);

        var kept = layers.ToArray();
        return new StudentModel(StudentConfig(config, stacks, kept.Length), StudentWeights(teacher, stacks, kept), kept);
    }

    /// <summary>
    /// Fails unless teacher and student share one vocabulary size, since distillation compares their logits token by token.
    /// </summary>
    public static void CheckSameVocabulary(LanguageModel teacher, LanguageModel student)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(student);
        if (teacher.VocabSize != student.VocabSize)
            throw new ArgumentException(
                $"--student-config: the student's vocabulary has {student.VocabSize} tokens but the teacher's has {teacher.VocabSize}; " +
                "distillation compares their logits token by token, so they must share one vocabulary.");
    }

    /// <summary>The teacher's config.json with every stack's count field(s) set to <paramref name="count"/>.</summary>
    private static ConfigJson StudentConfig(ConfigJson teacher, IReadOnlyList<LayerStack> stacks, int count)
    {
        var json = JsonNode.Parse(teacher.Root.GetRawText())!.AsObject();
        foreach (var stack in stacks)
        {
            bool any = false;
            foreach (var field in stack.CountFields)
            {
                if (!teacher.Has(field)) continue;
                json[field] = count;
                any = true;
            }
            if (!any && !stack.CountFieldsOptional) json[stack.CountFields[0]] = count;
        }
        return ConfigJson.Parse(json.ToJsonString(), $"student of {teacher.Path}");
    }

    /// <summary>
    /// Copies of the teacher's tensors under the student's keys: kept layers renumbered, other layers dropped, everything
    /// outside the stacks as it is. Tied aliases are absent from the teacher's source, so the student ties them the same way.
    /// </summary>
    private static InMemoryTensorSource StudentWeights(LanguageModel teacher, IReadOnlyList<LayerStack> stacks, int[] layers)
    {
        var source = new ModelTensorSource(teacher);
        var student = new InMemoryTensorSource($"student of the {teacher.ModelType} teacher (layers {string.Join(",", layers)})");
        var position = new Dictionary<int, int>();
        for (int j = 0; j < layers.Length; j++) position[layers[j]] = j;
        var seen = stacks.Select(_ => new HashSet<int>()).ToArray();

        foreach (string key in source.Keys)
        {
            string? studentKey = key;
            for (int s = 0; s < stacks.Count; s++)
            {
                if (stacks[s].Split(key) is not { } split) continue;
                var (layer, suffix) = split;
                seen[s].Add(layer);
                studentKey = suffix == stacks[s].FirstLayerOnlyKey && layer == 0 ? key
                    : position.TryGetValue(layer, out int j) ? stacks[s].Key(j, suffix)
                    : null;
                break;
            }
            if (studentKey is null) continue;
            if (student.Contains(studentKey))
                throw new InvalidOperationException($"Two teacher tensors map to the student's '{studentKey}'.");
            student.Add(studentKey, (float[])source.ReadFloat32(key).Clone(), (int[])source.Shape(key).Clone());
        }

        // Every layer of every stack must have been found under its prefix; otherwise keys outside the pattern would be
        // copied as they are and the student would silently load the wrong layers.
        for (int s = 0; s < stacks.Count; s++)
            if (stacks[s].KeyPrefix is { } prefix && (seen[s].Count != stacks[s].Depth || seen[s].Any(i => i >= stacks[s].Depth)))
                throw new InvalidOperationException(
                    $"The {teacher.ModelType} teacher's keys under \"{prefix}\" name layers {{{string.Join(", ", seen[s].Order())}}}, " +
                    $"not the {stacks[s].Depth} its config declares.");
        return student;
    }

    /// <summary>
    /// ALBERT layer i runs group int(i / (num_hidden_layers / num_hidden_groups)) (AlbertTransformer.forward in
    /// modeling_albert.py); a student of n layers recomputes that with its own n, which must give each student layer the
    /// group its teacher layer ran.
    /// </summary>
    private static void CheckAlbertGroups(AlbertConfig teacher, IReadOnlyList<int> layers)
    {
        var student = teacher with { Layers = layers.Count };
        for (int j = 0; j < layers.Count; j++)
        {
            int want = teacher.GroupOf(layers[j]), got = student.GroupOf(j);
            if (want != got)
                throw StudentLayers.Error(
                    $"ALBERT shares {teacher.Groups} layer groups across its depth, and a {layers.Count}-layer student's layer {j} " +
                    $"runs group {got}, not group {want} that teacher layer {layers[j]} runs; expected a list whose layers keep their groups.");
        }
    }
}
