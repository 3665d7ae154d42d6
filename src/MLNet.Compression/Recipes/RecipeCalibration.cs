namespace MLNet.Compression.Recipes;

/// <summary>Calibration text of a recipe: a plain text file, one sample per line (docs/FORMATS.md).</summary>
/// <param name="File">path of the text file</param>
/// <param name="Samples">lines used, from the top (default 128)</param>
/// <param name="MaxLength">tokens per sample after truncation (default 128)</param>
/// <param name="BatchSize">samples per forward pass (default 8)</param>
public sealed record RecipeCalibration(string File, int Samples = 128, int MaxLength = 128, int BatchSize = 8);
