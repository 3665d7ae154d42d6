using System.Text;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>One CSV record: its fields and the 1-based line where it starts (quoted fields may span lines).</summary>
public sealed record CsvRecord(int Line, string[] Fields);

/// <summary>
/// A small RFC 4180 reader (Python's csv module defaults: comma, double quote, "" inside quotes, newlines inside quoted
/// fields) that keeps the line of every record, so bad data can be reported by file and line.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string path, string[] header, List<CsvRecord> records)
    {
        Path = path;
        Header = header;
        Records = records;
    }

    public string Path { get; }

    /// <summary>The first record.</summary>
    public string[] Header { get; }

    /// <summary>Every record after the header (blank lines are skipped, as csv.DictReader does).</summary>
    public IReadOnlyList<CsvRecord> Records { get; }

    /// <summary>Reads the file; an empty file, or a quote left open at the end, is a <see cref="EvaluationDataException"/>.</summary>
    public static CsvTable Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        string text = File.ReadAllText(path, Encoding.UTF8);
        var records = Parse(path, text);
        if (records.Count == 0) throw new EvaluationDataException(path, null, "the file is empty (expected a header line and data rows).");
        return new CsvTable(path, records[0].Fields, records.Skip(1).ToList());
    }

    /// <summary>Index of a required header column, or an error naming the column and the columns found.</summary>
    public int Column(string name)
    {
        int i = Array.IndexOf(Header, name);
        if (i < 0) throw new EvaluationDataException(Path, 1, $"missing column \"{name}\" (header has: {string.Join(", ", Header)}).");
        return i;
    }

    private static List<CsvRecord> Parse(string path, string text)
    {
        var records = new List<CsvRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, quoteLine = 0;
        bool inQuotes = false, fieldStarted = false;
        int pos = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        void EndRecord()
        {
            fields.Add(field.ToString());
            field.Clear();
            if (!(fields.Count == 1 && fields[0].Length == 0 && !fieldStarted)) records.Add(new CsvRecord(recordLine, fields.ToArray()));
            fields.Clear();
            fieldStarted = false;
        }
        for (; pos < text.Length; pos++)
        {
            char c = text[pos];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (pos + 1 < text.Length && text[pos + 1] == '"') { field.Append('"'); pos++; }
                    else inQuotes = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"': inQuotes = true; fieldStarted = true; quoteLine = line; break;
                case ',': fields.Add(field.ToString()); field.Clear(); fieldStarted = true; break;
                case '\r': break;
                case '\n': EndRecord(); line++; recordLine = line; break;
                default: field.Append(c); fieldStarted = true; break;
            }
        }
        if (inQuotes) throw new EvaluationDataException(path, quoteLine, "a quoted field is never closed (expected a closing \").");
        if (field.Length > 0 || fields.Count > 0 || fieldStarted) EndRecord();
        return records;
    }
}
