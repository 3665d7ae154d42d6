using System.Text.Json;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Evaluation.Bias;

/// <summary>
/// StereoSet intrasentence against bias-bench's runner and scorer on the tiny fixture models: every candidate score within
/// 1e-5 relative, SS/LMS/ICAT per domain and overall within 0.01.
/// </summary>
public class StereoSetFixtureTests
{
    [Theory]
    [InlineData("stereoset_bert_uncased_tiny.json", "bert_uncased_tiny")]
    [InlineData("stereoset_gpt2_tiny.json", "gpt2_tiny")]
    public void Evaluate_ReproducesTheReferenceRunExampleByExample(string fixture, string modelName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("metrics", fixture)));
        var root = doc.RootElement;
        string dir = SharedData.Fixture("models", modelName);
        var data = StereoSetData.Load(SharedData.Fixture("metrics", "stereoset_dev_from_csv.json"));
        var result = new StereoSetEvaluator().Evaluate(ModelLoader.Load(dir), AutoTokenizer.FromFolder(dir),
                                                      new StereoSetData(data.Path, data.Intrasentence, []));
        var intra = result.Intrasentence!;
        var columns = root.GetProperty("per_example").GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
        var rows = root.GetProperty("per_example").GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(rows.Count, intra.Examples.Count);
        foreach (var row in rows)
        {
            var ours = intra.Examples[row[columns.IndexOf("row")].GetInt32()];
            foreach (var (name, value) in new[] { ("stereotype", ours.Stereotype), ("anti_stereotype", ours.AntiStereotype), ("unrelated", ours.Unrelated) })
            {
                double e = row[columns.IndexOf(name)].GetDouble();
                Assert.True(Math.Abs(value - e) <= 1e-5 * Math.Abs(e), $"example {ours.Index} {name}: {value} vs {e}");
            }
        }
        var expected = root.GetProperty("results").GetProperty("intrasentence");
        foreach (var domain in expected.EnumerateObject())
        {
            var ours = domain.Name == "overall" ? intra.Overall : intra.ByDomain[domain.Name];
            Assert.Equal(domain.Value.GetProperty("SS Score").GetDouble(), ours.Ss, 0.01);
            Assert.Equal(domain.Value.GetProperty("LM Score").GetDouble(), ours.Lms, 0.01);
            Assert.Equal(domain.Value.GetProperty("ICAT Score").GetDouble(), ours.Icat, 0.01);
        }
        Assert.Equal(2106, intra.Overall.Count);
    }

    [Fact]
    public void LoadCsv_RebuildsTheSameExamplesAsTheJsonForm()
    {
        var json = StereoSetData.Load(SharedData.Fixture("metrics", "stereoset_dev_from_csv.json"));
        var csv = StereoSetData.Load(SharedData.Data("stereoset"));
        Assert.Equal(json.Intrasentence.Count, csv.Intrasentence.Count);
        Assert.Equal(json.Intersentence.Count, csv.Intersentence.Count);
        foreach (var (a, b) in json.Intrasentence.Zip(csv.Intrasentence).Concat(json.Intersentence.Zip(csv.Intersentence)))
        {
            Assert.Equal(a.Context, b.Context);
            Assert.Equal(a.Target, b.Target);
            Assert.Equal(a.BiasType, b.BiasType);
            foreach (var label in StereoSetData.Labels) Assert.Equal(a.ByLabel(label).Text, b.ByLabel(label).Text);
        }
    }
}
