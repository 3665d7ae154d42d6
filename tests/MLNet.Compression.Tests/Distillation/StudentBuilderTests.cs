using System.Text.Json.Nodes;
using MLNet.Compression.Distillation;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tests.Modeling;
using static MLNet.Compression.Tests.Distillation.StudentFixtures;

namespace MLNet.Compression.Tests.Distillation;

public class StudentBuilderTests
{
    [Theory]
    [MemberData(nameof(FixtureData), MemberType = typeof(StudentFixtures))]
    public void AStudentWithEveryTeacherLayer_GivesExactlyTheTeachersLogits(string arch)
    {
        var teacher = Fixture(arch);
        using var fx = new ReferenceFixture(arch);
        var input = fx.Input();
        var all = Enumerable.Range(0, StudentBuilder.LayerCountOf(teacher)).ToArray();
        var student = Student(teacher, all).Load();

        Assert.Equal(teacher.LayerCount, student.LayerCount);
        Assert.Equal(teacher.ParameterCount(), student.ParameterCount());
        Assert.Equal(teacher.Forward(input).Logits.Span.ToArray(), student.Forward(input).Logits.Span.ToArray());
        AssertWeightsComeFrom(arch, teacher, student, all);
    }

    [Theory]
    [MemberData(nameof(FixtureData), MemberType = typeof(StudentFixtures))]
    public void AStudentOfTheLastLayer_HasOneLayer_TheCountFieldsSetToOne_AndThatLayersWeights(string arch)
    {
        var teacher = Fixture(arch);
        var built = Student(teacher, 1);
        var student = built.Load();

        Assert.Equal([1], built.TeacherLayers);
        int stacks = teacher.Kind == ModelKind.Seq2SeqLM ? 2 : 1;
        Assert.Equal(2 * stacks, teacher.LayerCount);
        Assert.Equal(stacks, student.LayerCount);

        // config.json: the count fields say 1, nothing else changed.
        var teacherJson = Json(teacher.Config!);
        var studentJson = Json(built.Config);
        foreach (var field in CountFields(arch))
        {
            Assert.Equal(2, (int)teacherJson[field]!);
            Assert.Equal(1, (int)studentJson[field]!);
            teacherJson.Remove(field);
            studentJson.Remove(field);
        }
        Assert.True(JsonNode.DeepEquals(teacherJson, studentJson), $"{arch}: {studentJson.ToJsonString()}");

        AssertLinearsComeFrom(arch, teacher, student, [1]);
        AssertWeightsComeFrom(arch, teacher, student, [1]);
        using var fx = new ReferenceFixture(arch);
        Assert.All(student.Forward(fx.Input()).Logits.Span.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [MemberData(nameof(FamilyData), MemberType = typeof(StudentFixtures))]
    public void ADefaultStudentOfA12LayerTeacher_KeepsDistilBertsLayers(string arch)
    {
        var teacher = RandomTeacher(arch, 12);
        Assert.Equal(12, StudentBuilder.LayerCountOf(teacher));
        var built = StudentBuilder.FromTeacher(teacher);
        var student = built.Load();

        Assert.Equal([0, 2, 4, 7, 9, 11], built.TeacherLayers);
        Assert.Equal(teacher.Kind == ModelKind.Seq2SeqLM ? 12 : 6, student.LayerCount);
        foreach (var field in CountFields(arch)) Assert.Equal(6, (int)Json(built.Config)[field]!);
        AssertLinearsComeFrom(arch, teacher, student, built.TeacherLayers);
        AssertWeightsComeFrom(arch, teacher, student, built.TeacherLayers);
    }

    [Theory]
    [MemberData(nameof(FamilyData), MemberType = typeof(StudentFixtures))]
    public void Layer1AndLayer10AreToldApart(string arch)
    {
        var teacher = RandomTeacher(arch, 12);
        var student = Student(teacher, 1, 10).Load();
        AssertLinearsComeFrom(arch, teacher, student, [1, 10]);
        AssertWeightsComeFrom(arch, teacher, student, [1, 10]);
        if (arch == "albert") return; // one shared group: there is nothing per layer to tell apart
        // Student layer 0 is teacher layer 1, not 10 (or 11, 12 … which share the prefix "1").
        string prefix = LayerPrefixes(arch)[0];
        var first = student.Linears.First(l => l.Name.StartsWith(prefix + "0.", StringComparison.Ordinal));
        var layer1 = teacher.Linears.Single(l => l.Name == prefix + "1." + first.Name[(prefix.Length + 2)..]);
        var layer10 = teacher.Linears.Single(l => l.Name == prefix + "10." + first.Name[(prefix.Length + 2)..]);
        Assert.True(first.Weight.ToDense().ReadOnlySpan.SequenceEqual(layer1.Weight.ToDense().ReadOnlySpan));
        Assert.False(first.Weight.ToDense().ReadOnlySpan.SequenceEqual(layer10.Weight.ToDense().ReadOnlySpan));
    }

    [Theory]
    [InlineData("bert", true)]
    [InlineData("roberta", true)]
    [InlineData("distilbert", true)]
    [InlineData("albert", true)]
    [InlineData("gpt2", true)]
    [InlineData("gpt_neox", false)]
    [InlineData("opt", true)]
    [InlineData("llama", false)]
    [InlineData("t5", true)]
    [InlineData("t5_v1_1", false)]
    [InlineData("bart", true)]
    public void TheStudentsHeadIsTiedExactlyWhenTheTeachersIs(string arch, bool tied)
    {
        var teacher = Fixture(arch);
        Assert.Equal(tied, HeadIsTied(teacher));
        Assert.Equal(tied, HeadIsTied(Student(teacher, 1).Load()));
        Assert.Equal(tied, HeadIsTied(Student(teacher, 0, 1).Load()));
    }

    [Fact]
    public void TheStudentsWeightsAreCopies_SoChangingThemLeavesTheTeacherAlone()
    {
        var teacher = Fixture("gpt2");
        using var fx = new ReferenceFixture("gpt2");
        var before = teacher.Forward(fx.Input()).Logits.Span.ToArray();
        var student = Student(teacher, 0, 1).Load();
        foreach (var t in student.OtherTensors) t.Value.Span.Clear();
        foreach (var l in student.Linears) l.Weight.ToDense().Span.Clear();
        Assert.Equal(before, teacher.Forward(fx.Input()).Logits.Span.ToArray());
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("t5_v1_1")]
    public void AT5StudentWithoutBlock0_StillGetsTheTeachersBlock0RelativeBiasTables(string arch)
    {
        var teacher = Fixture(arch);
        var built = Student(teacher, 1);
        foreach (var stack in new[] { "encoder", "decoder" })
        {
            string key = $"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
            Assert.True(built.Weights.Contains(key), key);
            Assert.Equal(new ModelTensorSource(teacher).ReadFloat32(key), built.Weights.ReadFloat32(key));
            Assert.DoesNotContain(built.Weights.Keys, k => k.StartsWith($"{stack}.block.1.", StringComparison.Ordinal));
            // Block 0's self-attention projections are the teacher's block 1's.
            Assert.Equal(new ModelTensorSource(teacher).ReadFloat32($"{stack}.block.1.layer.0.SelfAttention.q.weight"),
                built.Weights.ReadFloat32($"{stack}.block.0.layer.0.SelfAttention.q.weight"));
        }
    }

    [Fact]
    public void AT5ConfigWithoutNumDecoderLayers_StaysWithoutIt_AndTheDecoderFollowsNumLayers()
    {
        var teacher = RandomTeacher("t5", 4, json => json.Remove("num_decoder_layers"));
        var built = Student(teacher, 0, 3);
        var json = Json(built.Config);
        Assert.Equal(2, (int)json["num_layers"]!);
        Assert.False(json.ContainsKey("num_decoder_layers"));
        var student = built.Load();
        Assert.Equal(4, student.LayerCount);
        AssertWeightsComeFrom("t5", teacher, student, [0, 3]);
    }

    [Fact]
    public void ASeq2SeqListMustFitBothStacks_AndTheDefaultFollowsTheShallowerOne()
    {
        var teacher = RandomTeacher("t5", 3, json => json["num_decoder_layers"] = 2);
        Assert.Equal(2, StudentBuilder.LayerCountOf(teacher));
        var e = Assert.Throws<ArgumentException>(() => Student(teacher, 0, 2));
        Assert.Equal("--student-layers: layer 2 is out of range; the teacher's decoder has 2 layers (0–1), and the same list selects encoder and decoder layers.", e.Message);

        var built = StudentBuilder.FromTeacher(teacher);
        Assert.Equal([0], built.TeacherLayers);
        Assert.Equal(2, built.Load().LayerCount);
    }

    [Fact]
    public void ADistilBertConfigWithTheNumHiddenLayersAlias_GetsTheNewCountInBothFields()
    {
        var teacher = RandomTeacher("distilbert", 4, json => json["num_hidden_layers"] = 4);
        var built = Student(teacher, 1, 3);
        var json = Json(built.Config);
        Assert.Equal(2, (int)json["n_layers"]!);
        Assert.Equal(2, (int)json["num_hidden_layers"]!);
        Assert.Equal(2, built.Load().LayerCount);
    }

    [Fact]
    public void AGpt2ConfigWithoutALayerCount_GetsNLayerWritten()
    {
        // GPT2Config's default n_layer is 12.
        var teacher = RandomTeacher("gpt2", 12, json => json.Remove("n_layer"));
        var built = Student(teacher, 0, 11);
        Assert.Equal(2, (int)Json(built.Config)["n_layer"]!);
        Assert.Equal(2, built.Load().LayerCount);
    }

    [Fact]
    public void AnAlbertWithSeveralGroups_AcceptsAListThatKeepsEachLayersGroup_AndRejectsOneThatDoesNot()
    {
        // 4 layers over 2 groups: layers 0, 1 run group 0 and layers 2, 3 run group 1.
        var teacher = RandomTeacher("albert", 4, json => json["num_hidden_groups"] = 2);
        var student = Student(teacher, 1, 2).Load();
        Assert.Equal(2, student.LayerCount);
        AssertWeightsComeFrom("albert", teacher, student, [1, 2]);

        var all = Student(teacher, 0, 1, 2, 3).Load();
        using var fx = new ReferenceFixture("albert");
        Assert.Equal(teacher.Forward(fx.Input()).Logits.Span.ToArray(), all.Forward(fx.Input()).Logits.Span.ToArray());

        var e = Assert.Throws<ArgumentException>(() => Student(teacher, 0, 1));
        Assert.Equal("--student-layers: ALBERT shares 2 layer groups across its depth, and a 2-layer student's layer 1 runs group 1, " +
            "not group 0 that teacher layer 1 runs; expected a list whose layers keep their groups.", e.Message);
    }

    [Theory]
    [MemberData(nameof(FamilyData), MemberType = typeof(StudentFixtures))]
    public void BadListsAreRejectedWithMessagesThatSayWhatWasExpected(string arch)
    {
        var teacher = Fixture(arch);
        string range = teacher.Kind == ModelKind.Seq2SeqLM
            ? "the teacher's encoder has 2 layers (0–1), and the same list selects encoder and decoder layers."
            : "the teacher has 2 layers (0–1).";
        Assert.Equal($"--student-layers: layer 2 is out of range; {range}", Assert.Throws<ArgumentException>(() => Student(teacher, 0, 2)).Message);
        Assert.Equal($"--student-layers: layer -1 is out of range; {range}", Assert.Throws<ArgumentException>(() => Student(teacher, -1)).Message);
        Assert.Equal("--student-layers: layer 1 is listed twice; expected each teacher layer at most once.",
            Assert.Throws<ArgumentException>(() => Student(teacher, 1, 1)).Message);
        Assert.Equal("--student-layers: layer 0 comes after layer 1; expected the layers in increasing order, as the student keeps the teacher's order.",
            Assert.Throws<ArgumentException>(() => Student(teacher, 1, 0)).Message);
        Assert.Equal("--student-layers: no layers were given; expected comma-separated teacher layer indices such as \"0,2,4\".",
            Assert.Throws<ArgumentException>(() => Student(teacher)).Message);
    }

    [Fact]
    public void TheRangeMessageNamesTheTeachersDepth()
    {
        var teacher = RandomTeacher("bert", 12);
        var e = Assert.Throws<ArgumentException>(() => StudentBuilder.FromTeacher(teacher, StudentLayers.Parse("0,6,12")));
        Assert.Equal("--student-layers: layer 12 is out of range; the teacher has 12 layers (0–11).", e.Message);
    }

    [Fact]
    public void ATeacherWithoutConfig_CannotMakeAStudent()
    {
        var e = Assert.Throws<InvalidOperationException>(() => StudentBuilder.FromTeacher(new ConfiglessModel(), [0]));
        Assert.Contains("no config.json", e.Message);
    }

    [Fact]
    public void DifferentVocabularies_AreRejected_AndTheSameOneIsAccepted()
    {
        var teacher = Fixture("bert");           // 512 tokens
        var other = Fixture("bert_uncased_tiny"); // 30522 tokens
        var e = Assert.Throws<ArgumentException>(() => StudentBuilder.CheckSameVocabulary(teacher, other));
        Assert.Equal("--student-config: the student's vocabulary has 30522 tokens but the teacher's has 512; " +
            "distillation compares their logits token by token, so they must share one vocabulary.", e.Message);
        StudentBuilder.CheckSameVocabulary(teacher, Student(teacher, 0).Load());
    }

    /// <summary>A model built in code, without a config.json.</summary>
    private sealed class ConfiglessModel : LanguageModel
    {
        public override string ModelType => "bert";
        public override ModelKind Kind => ModelKind.MaskedLM;
        public override int HiddenSize => 4;
        public override int VocabSize => 8;
        public override int LayerCount => 1;
        public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null) => throw new NotSupportedException();
    }
}
