using System.Runtime.CompilerServices;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Persistence;

/// <summary>Lets <see cref="ModelLoader.Load"/> open compressed model folders (manifest.json beside model.safetensors).</summary>
internal sealed class CompressedFolderReader : IModelFolderReader
{
    public bool CanRead(string folder) => CompressedModel.IsCompressedFolder(folder);

    public LanguageModel Read(string folder) => CompressedModel.Load(folder);

    /// <summary>
    /// Registered when the assembly loads, so every entry point (CLI, library, tests) reads compressed folders while the
    /// dependency runs one way: Persistence knows ModelLoader, not the reverse.
    /// </summary>
#pragma warning disable CA2255 // a module initializer in a library: the registration is this assembly's own, not a consumer's
    [ModuleInitializer]
    internal static void Register() => ModelLoader.RegisterFolderReader(new CompressedFolderReader());
#pragma warning restore CA2255
}
