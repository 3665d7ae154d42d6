namespace MLNet.Compression.IO;

/// <summary>
/// Writes a whole folder through a temporary sibling and a rename, so a reader never sees a half-written model folder:
/// either the previous folder or the complete new one. An existing target is replaced only when it looks like an output
/// of the same kind (it holds <c>markerFile</c>) or is empty, so a mistyped path never wipes a user's unrelated folder.
/// </summary>
public static class AtomicFolder
{
    /// <summary>
    /// Throws the IOException <see cref="Write"/> would throw before writing anything: a file in the way, or an existing
    /// folder that is neither empty nor an earlier output. Lets a long job refuse its output before it starts.
    /// </summary>
    public static void CheckWritable(string folder, string markerFile)
    {
        string full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (File.Exists(full)) throw new IOException($"{full}: a file is in the way; the output must be a folder.");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !File.Exists(Path.Combine(full, markerFile)))
            throw new IOException($"{full}: the folder exists and is not an earlier output (it has no {markerFile}); choose a new output folder or empty this one.");
    }

    /// <param name="folder">the folder to create or replace</param>
    /// <param name="markerFile">a file name whose presence marks an existing folder as a replaceable earlier output</param>
    /// <param name="write">fills the temporary folder it is given</param>
    public static void Write(string folder, string markerFile, Action<string> write)
    {
        string full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        CheckWritable(folder, markerFile);
        bool replace = Directory.Exists(full);
        string parent = Path.GetDirectoryName(full) ?? throw new IOException($"{full}: cannot write a model folder at the root of a drive.");
        string stamp = Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        string tmp = full + ".tmp-" + stamp;
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(tmp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET's reason names the temporary sibling; the user only knows the folder they asked for.
            throw AtomicFile.CannotWrite(folder, tmp, e);
        }
        try
        {
            write(tmp);
            if (replace)
            {
                // Two renames: the old folder steps aside, the new one takes its name, then the old one is removed.
                string old = full + ".old-" + stamp;
                Directory.Move(full, old);
                Directory.Move(tmp, full);
                try { Directory.Delete(old, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            else Directory.Move(tmp, full);
        }
        catch
        {
            try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
