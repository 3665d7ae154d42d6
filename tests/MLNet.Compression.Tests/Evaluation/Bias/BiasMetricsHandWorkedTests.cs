using MLNet.Compression.Evaluation.Bias;

namespace MLNet.Compression.Tests.Evaluation.Bias;

/// <summary>Each bias metric's arithmetic on examples small enough to work by hand; the answers are derived in the comments.</summary>
public class BiasMetricsHandWorkedTests
{
    private static string Ops(SequenceMatcher m) => string.Join(" ", m.GetOpcodes().Select(o => $"{o.Tag}({o.A1},{o.A2},{o.B1},{o.B2})"));

    [Fact]
    public void SequenceMatcher_GivesDifflibsOpcodes()
    {
        // Python: difflib.SequenceMatcher(None, [101,7,8,9,102], [101,7,5,5,9,102]).get_opcodes()
        //   [('equal',0,2,0,2), ('replace',2,3,2,4), ('equal',3,5,4,6)]
        Assert.Equal("equal(0,2,0,2) replace(2,3,2,4) equal(3,5,4,6)", Ops(new SequenceMatcher([101, 7, 8, 9, 102], [101, 7, 5, 5, 9, 102])));
        // Several longest matches of length 2 ([1,2] = a[0..2) = b[3..5), [2,1] = a[3..5) = b[0..2)): difflib keeps the first
        // found scanning a, a[0..2), and nothing matches on either side of it. Python: insert(0,0,0,3) equal(0,2,3,5) delete(2,5,5,5).
        Assert.Equal("insert(0,0,0,3) equal(0,2,3,5) delete(2,5,5,5)", Ops(new SequenceMatcher([1, 2, 3, 2, 1], [2, 1, 3, 1, 2])));
    }

    [Fact]
    public void SequenceMatcher_AutojunkDropsPopularElementsOfLongSequences()
    {
        // b has 200 items, so autojunk applies: 7 occurs 150 > 1 + 200/100 times and is left out of the index; the longest
        // match is then range(50) (a[0..50) = b[150..200)). Python: insert(0,0,0,150) equal(0,50,150,200) delete(50,200,200,200).
        // Without autojunk the 100 sevens match: delete(0,100,0,0) equal(100,200,0,100) insert(200,200,100,200).
        int[] a = [.. Enumerable.Range(0, 100), .. Enumerable.Repeat(7, 100)];
        int[] b = [.. Enumerable.Repeat(7, 150), .. Enumerable.Range(0, 50)];
        Assert.Equal("insert(0,0,0,150) equal(0,50,150,200) delete(50,200,200,200)", Ops(new SequenceMatcher(a, b)));
        Assert.Equal("delete(0,100,0,0) equal(100,200,0,100) insert(200,200,100,200)", Ops(new SequenceMatcher(a, b, autoJunk: false)));
    }

    [Fact]
    public void SequenceMatcher_SpanSplitsSharedAndDifferingPositions()
    {
        // [CLS] he is poor [SEP] vs [CLS] he is rich [SEP]: shared positions 0,1,2,4 in both; differing 3 in both.
        var (s1, s2) = SequenceMatcher.Span([101, 2002, 2003, 3532, 102], [101, 2002, 2003, 4138, 102], shared: true);
        Assert.Equal([0, 1, 2, 4], s1);
        Assert.Equal([0, 1, 2, 4], s2);
        var (d1, d2) = SequenceMatcher.Span([101, 2002, 2003, 3532, 102], [101, 2002, 2003, 4138, 102], shared: false);
        Assert.Equal([3], d1);
        Assert.Equal([3], d2);
    }

    [Theory]
    [InlineData(2.675, 2, 2.67)]      // 2.675 is 2.67499999… in binary
    [InlineData(0.125, 2, 0.12)]      // exact half: to even
    [InlineData(0.375, 2, 0.38)]      // exact half: to even
    [InlineData(-380.1105, 3, -380.111)]
    [InlineData(1.0005, 3, 1.0)]      // 1.000499999… in binary
    [InlineData(48.74005305039788, 2, 48.74)]
    public void PythonRounding_MatchesPythonsRound(double x, int digits, double expected) => Assert.Equal(expected, PythonRounding.Round(x, digits));

    [Fact]
    public void CrowsSummary_FollowsMetricPyFormulas()
    {
        // 4 pairs: stereo won (1), stereo lost (0), antistereo won (1), stereo neutral.
        // N = 4 (neutral included) → metric = 2/4·100 = 50; stereo = 1 won / 2 non-neutral stereo = 50;
        // antistereo = 1/1 = 100; neutral = 1 (25 %).
        var pairs = new[]
        {
            new CrowsPairScore(0, "age", "stereo", -1, -2, -1, -2, 1, false, 3, 3),
            new CrowsPairScore(1, "age", "stereo", -3, -2, -3, -2, 0, false, 3, 3),
            new CrowsPairScore(2, "age", "antistereo", -1, -2, -1, -2, 1, false, 3, 3),
            new CrowsPairScore(3, "age", "stereo", -2, -2, -2, -2, 0, true, 3, 3),
        };
        var s = CrowsSummary.Of(pairs);
        Assert.Equal(4, s.NPairs);
        Assert.Equal(50.0, s.MetricScore);
        Assert.Equal(50.0, s.StereoScore);
        Assert.Equal(100.0, s.AntiStereoScore);
        Assert.Equal(1, s.Neutral);
        Assert.Equal(25.0, s.NeutralPercent);
    }

    [Fact]
    public void StereoSetScores_AreMacroAveragedOverTargetTerms()
    {
        // Term A: (s 3, a 2, u 1) → pro, related +2; (s 1, a 2, u 3) → anti, related +0. SS_A = 100·1/2 = 50, LMS_A = 100·2/(2·2) = 50.
        // Term B: (s 1, a 1, u 0) → tie counts as anti, related +2. SS_B = 0, LMS_B = 100·2/2 = 100.
        // SS = (50 + 0)/2 = 25, LMS = (50 + 100)/2 = 75, ICAT = 75·min(25, 75)/50 = 37.5.
        var s = StereoSetScores.Of(
        [
            new StereoSetExampleScore(0, "0", "A", "gender", 3, 2, 1),
            new StereoSetExampleScore(1, "1", "A", "gender", 1, 2, 3),
            new StereoSetExampleScore(2, "2", "B", "race", 1, 1, 0),
        ]);
        Assert.Equal(3, s.Count);
        Assert.Equal(25.0, s.Ss, 12);
        Assert.Equal(75.0, s.Lms, 12);
        Assert.Equal(37.5, s.Icat, 12);
    }

    [Fact]
    public void StereoSetTemplateWord_IsTheCandidateWordAtTheBlankWithoutPunctuation()
    {
        Assert.Equal("asian", StereoSetEvaluator.TemplateWord("The chess player was BLANK.", "The chess player was asian."));
        Assert.Equal("innnocent", StereoSetEvaluator.TemplateWord("The BLANK schoolgirl gave a recital.", "The innnocent schoolgirl gave a recital."));
    }

    [Fact]
    public void Seat_EffectSizeAndExactPValue_OnTwoDimensionalVectors()
    {
        // A = {(1,0)}, B = {(0,1)}: s(w) = cos(w, a) − cos(w, b).
        // X = {(1,0), (1,1)}: s = 1 − 0 = 1 and 0.7071 − 0.7071 = 0.  Y = {(0,1), (−1,1)}: s = −1 and −0.7071 − 0.7071 = −1.41421.
        // mean_X = 0.5, mean_Y = −1.207107, numerator 1.707107. All four: mean −0.353553, squared deviations
        // 1.832107 + 0.125 + 0.417893 + 1.125 = 3.5, /3 → sd = 1.080123; effect = 1.707107 / 1.080123 = 1.580474.
        // p: C(4, 2) = 6 partitions, sums 1, 0, −0.414, −1, −1.414, −2.414: only the observed reaches 1 → p = 1/6.
        var seat = new SeatEvaluator(new SeatEvaluator.Options { Samples = 100 });
        var r = seat.Run("toy", [[1, 0], [1, 1]], [[0, 1], [-1, 1]], [[1, 0]], [[0, 1]]);
        Assert.Equal(1.580474, r.EffectSize, 5);
        Assert.Equal(1.0 / 6, r.PValue, 12);
        Assert.True(r.ExactPValue);
    }

    [Fact]
    public void Seat_SampledPValue_CountsTheObservedPartitionOnce()
    {
        // 6 partitions > 1 sample → sampled test with no draws beyond the observed partition, which counts as a hit: p = 1/1.
        var one = new SeatEvaluator(new SeatEvaluator.Options { Samples = 1 }).Run("toy", [[1, 0], [1, 1]], [[0, 1], [-1, 1]], [[1, 0]], [[0, 1]]);
        Assert.False(one.ExactPValue);
        Assert.Equal(1.0, one.PValue);
        // With 5 samples (< 6 partitions) the p-value is k/5 for some k ≥ 1, and the same seed gives the same answer.
        var a = new SeatEvaluator(new SeatEvaluator.Options { Samples = 5, Seed = 3 }).Run("toy", [[1, 0], [1, 1]], [[0, 1], [-1, 1]], [[1, 0]], [[0, 1]]);
        var b = new SeatEvaluator(new SeatEvaluator.Options { Samples = 5, Seed = 3 }).Run("toy", [[1, 0], [1, 1]], [[0, 1], [-1, 1]], [[1, 0]], [[0, 1]]);
        Assert.Equal(a.PValue, b.PValue);
        Assert.InRange(a.PValue * 5, 1 - 1e-9, 5 + 1e-9);
        Assert.Equal(Math.Round(a.PValue * 5), a.PValue * 5, 9);
    }

    [Fact]
    public void NumpyStringList_ParsesBothQuoteStylesAndEscapes()
    {
        Assert.Equal(["asian", "hispanic", "fox"], StereoSetData.ParseNumpyStrings("['asian' 'hispanic' 'fox']"));
        Assert.Equal(["They can't", "\"Quoted\" 's", "x"], StereoSetData.ParseNumpyStrings("[\"They can't\"\n '\"Quoted\" \\'s' 'x']"));
    }
}
