namespace MLNet.Compression.Evaluation.Bias;

/// <summary>One CrowS-Pairs row: <see cref="Index"/> is its 0-based data row (the CSV's unnamed first column).</summary>
public sealed record CrowsPair(int Index, int Line, string SentMore, string SentLess, string Direction, string BiasType)
{
    /// <summary>metric.py's sentence order: sent1 is sent_more for "stereo" pairs, sent_less for "antistereo" pairs.</summary>
    public (string Sent1, string Sent2) Ordered => Direction == "stereo" ? (SentMore, SentLess) : (SentLess, SentMore);
}

/// <summary>A line that was skipped because the user asked to skip bad lines.</summary>
public sealed record SkippedLine(int Line, string Problem);

/// <summary>The CrowS-Pairs CSV (crows_pairs_anonymized.csv: sent_more, sent_less, stereo_antistereo, bias_type, ...).</summary>
public sealed class CrowsPairsData
{
    private CrowsPairsData(string path, List<CrowsPair> pairs, List<SkippedLine> skipped)
    {
        Path = path;
        Pairs = pairs;
        SkippedLines = skipped;
    }

    public string Path { get; }

    public IReadOnlyList<CrowsPair> Pairs { get; }

    /// <summary>Bad lines passed over (only with skipBadLines).</summary>
    public IReadOnlyList<SkippedLine> SkippedLines { get; }

    /// <summary>
    /// Reads the file. A row with a missing value, a wrong number of fields or a direction other than stereo/antistereo
    /// is an error naming file and line, unless <paramref name="skipBadLines"/> is set: then it is counted in
    /// <see cref="SkippedLines"/>. A file without data rows is always an error.
    /// </summary>
    public static CrowsPairsData Load(string path, bool skipBadLines = false)
    {
        var table = CsvTable.Read(path);
        int more = table.Column("sent_more"), less = table.Column("sent_less"), dir = table.Column("stereo_antistereo"), type = table.Column("bias_type");
        var pairs = new List<CrowsPair>();
        var skipped = new List<SkippedLine>();
        for (int row = 0; row < table.Records.Count; row++)
        {
            var rec = table.Records[row];
            string? problem = null;
            if (rec.Fields.Length != table.Header.Length) problem = $"{rec.Fields.Length} fields, expected {table.Header.Length} as in the header.";
            else if (string.IsNullOrWhiteSpace(rec.Fields[more])) problem = "sent_more is empty.";
            else if (string.IsNullOrWhiteSpace(rec.Fields[less])) problem = "sent_less is empty.";
            else if (rec.Fields[dir] is not ("stereo" or "antistereo")) problem = $"stereo_antistereo is \"{rec.Fields[dir]}\", expected \"stereo\" or \"antistereo\".";
            else if (string.IsNullOrWhiteSpace(rec.Fields[type])) problem = "bias_type is empty.";
            if (problem is not null)
            {
                if (!skipBadLines) throw new EvaluationDataException(path, rec.Line, problem + " Pass --skip-bad-lines to skip such lines.");
                skipped.Add(new SkippedLine(rec.Line, problem));
                continue;
            }
            pairs.Add(new CrowsPair(row, rec.Line, rec.Fields[more], rec.Fields[less], rec.Fields[dir], rec.Fields[type]));
        }
        if (pairs.Count == 0) throw new EvaluationDataException(path, null, "no usable pairs (expected rows with sent_more, sent_less, stereo_antistereo, bias_type).");
        return new CrowsPairsData(path, pairs, skipped);
    }

    /// <summary>Pairs built in memory (tests, samples); indices are their positions.</summary>
    public static CrowsPairsData FromPairs(IEnumerable<CrowsPair> pairs) => new("(memory)", pairs.ToList(), new());
}
