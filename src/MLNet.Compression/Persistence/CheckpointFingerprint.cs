using System.Security.Cryptography;
using System.Text;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling.Llama;

namespace MLNet.Compression.Persistence;

/// <summary>
/// Identifies a checkpoint by content: SHA-256 of config.json and each weight file, and one hash over them all that equals
/// <c>sha256sum config.json model.safetensors | sha256sum</c> (the listing "HASH  NAME\n" per file, names in ordinal order),
/// so a user can check a source with standard tools.
/// </summary>
public static class CheckpointFingerprint
{
    /// <summary>The fingerprint of a model folder (config.json + safetensors) or a llama2.c .bin file.</summary>
    public static SourceCheckpoint Compute(string path)
    {
        string full = Path.GetFullPath(path);
        string folder;
        List<string> files;
        if (File.Exists(full))
        {
            folder = Path.GetDirectoryName(full)!;
            files = [full];
        }
        else
        {
            folder = full;
            files = [];
            // An older sentence-transformers folder keeps its model in the Transformer module's subfolder.
            string modelFolder = !File.Exists(Path.Combine(folder, "config.json")) && SentenceTransformerLayout.TransformerSubfolder(folder) is { } module
                && File.Exists(Path.Combine(module, "config.json")) ? module : folder;
            string config = Path.Combine(modelFolder, "config.json");
            if (File.Exists(config))
            {
                files.Add(config);
                using var ckpt = SafeTensorsCheckpoint.Open(modelFolder);
                files.AddRange(ckpt.FilePaths);
            }
            else if (Directory.Exists(folder)) files.AddRange(Directory.GetFiles(folder, "*.bin").Where(Llama2CCheckpoint.LooksLikeOne));
            if (files.Count == 0) throw new CheckpointException(full, null, "no config.json, safetensors or llama2.c file to fingerprint.");
        }
        var entries = files.Select(f => new SourceFile(Path.GetRelativePath(folder, f).Replace('\\', '/'), new FileInfo(f).Length, Sha256File(f)))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var listing = new StringBuilder();
        foreach (var e in entries) listing.Append(e.Sha256).Append("  ").Append(e.Name).Append('\n');
        return new SourceCheckpoint(full, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString()))), entries);
    }

    private static string Sha256File(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Hex(SHA256.HashData(s));
    }

    private static string Hex(byte[] hash) => Convert.ToHexString(hash).ToLowerInvariant();
}
