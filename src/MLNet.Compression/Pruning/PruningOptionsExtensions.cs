namespace MLNet.Compression.Pruning;

/// <summary>Lets the catalogs' short overloads override only what the caller gave, so defaults live in the Options classes alone.</summary>
internal static class PruningOptionsExtensions
{
    public static T With<T>(this T options, double? sparsity, Pipeline.ModuleGroup? groups) where T : PruningOptions
    {
        if (sparsity is double s) options.Sparsity = s;
        if (groups is not null) options.Groups = groups;
        return options;
    }
}
