using System.Text;
using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Recipes;

/// <summary>
/// Writes a <see cref="Recipe"/> in the JSON form <see cref="Recipe.Parse"/> reads (docs/FORMATS.md, "Recipes"), so a recipe
/// a program builds (a search's best plan) runs with `mlnet-compress compress --recipe`. Paths are written as given.
/// </summary>
public static class RecipeJson
{
    /// <summary>The recipe as indented JSON.</summary>
    public static string ToJson(Recipe recipe)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (recipe.Model is { } m) w.WriteString("model", m);
            w.WriteNumber("seed", recipe.Seed);
            if (recipe.Calibration is { } c)
            {
                w.WriteStartObject("calibration");
                w.WriteString("file", c.File);
                w.WriteNumber("samples", c.Samples);
                w.WriteNumber("max_length", c.MaxLength);
                w.WriteNumber("batch_size", c.BatchSize);
                w.WriteEndObject();
            }
            w.WriteStartArray("stages");
            foreach (var s in recipe.Stages)
            {
                w.WriteStartObject();
                w.WriteString("stage", s.Stage);
                w.WriteString("method", s.Method);
                w.WriteString("groups", s.Groups);
                if (s.Scope is { } scope) w.WriteString("scope", scope);
                if (s.Sparsity is double sp) w.WriteNumber("sparsity", sp);
                if (s.NM is { } nm) w.WriteString("nm", nm);
                if (s.Bits is int b) w.WriteNumber("bits", b);
                if (s.GroupSize is int g) w.WriteNumber("group_size", g);
                if (s.Symmetric is bool sym) w.WriteBoolean("symmetric", sym);
                if (s.Plan is { } plan)
                {
                    w.WriteStartObject("plan");
                    foreach (var (layer, v) in plan) w.WriteNumber(layer, v);
                    w.WriteEndObject();
                }
                if (s.Parameters.Count > 0)
                {
                    w.WriteStartObject("parameters");
                    foreach (var (k, v) in s.Parameters) w.WriteString(k, v);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes the recipe to <paramref name="path"/> through a temporary file.</summary>
    public static void Write(Recipe recipe, string path) => AtomicFile.WriteAllText(path, ToJson(recipe));
}
