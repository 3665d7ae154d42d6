namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// The check <see cref="IStudyStore.OpenStudy"/> makes when the study exists: a resumed search must have the same search
/// space and the same model and objective, or its old trials would be compared with new ones that measure something else.
/// </summary>
internal static class StudyMismatch
{
    /// <summary>Throws <see cref="StudyMismatchException"/> naming every hash that differs (the stored one and this run's).</summary>
    public static void ThrowIfDiffers(string store, StudyInfo stored, StudyDefinition wanted)
    {
        var differences = new List<string>();
        if (!string.Equals(stored.SpaceHash, wanted.SpaceHash, StringComparison.Ordinal))
            differences.Add($"search space (stored {stored.SpaceHash}, this run {wanted.SpaceHash})");
        if (!string.Equals(stored.ModelHash, wanted.ModelHash, StringComparison.Ordinal))
            differences.Add($"model/objective (stored {stored.ModelHash}, this run {wanted.ModelHash})");
        if (differences.Count > 0)
            throw new StudyMismatchException(
                $"{store}: study '{stored.Name}' was created with another {string.Join(" and another ", differences)}; resume it with the same settings or choose a new study name.");
    }
}
