using System.Net;
using System.Text;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.IO;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>report.html of a search.</summary>
public static class SearchReportPage
{
    public static string Html(ExperimentResult r)
    {
        var sb = new StringBuilder("<!doctype html><meta charset=\"utf-8\"><title>search</title><body><h1>search ");
        sb.Append(WebUtility.HtmlEncode(r.Study)).Append("</h1><p>").Append(r.Trials.Count).Append(" trials</p></body>");
        return sb.ToString();
    }

    public static void Write(ExperimentResult r, string path) => AtomicFile.WriteAllText(path, Html(r));
}
