using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Synthetic;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress world --seed N [--bias-skew S] [--people N] [--small] -o DIR`: writes a synthetic world (LAMA facts,
/// CrowS-Pairs, StereoSet, corpus, held-out text, tokenizer files, world.json), the folder `train` and `demo` train on.
/// </summary>
public static class WorldCommand
{
    public static Command Create()
    {
        var defaults = new WorldOptions();
        var seed = new Option<int>("--seed") { Description = "Everything in the world follows from this seed.", DefaultValueFactory = _ => defaults.Seed };
        var skew = new Option<double>("--bias-skew") { Description = "Strength of the planted bias, 0 (none) to 1 (total).", DefaultValueFactory = _ => defaults.BiasSkew };
        var people = new Option<int?>("--people") { Description = $"People, each the subject of five facts (default {defaults.People}, {WorldOptions.Small().People} with --small)." };
        var small = new Option<bool>("--small") { Description = "The quick demo's small world (fewer people, countries and repeats): models train on it in seconds." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the world (replaced when it holds an earlier world).", Required = true };
        var cmd = new Command("world", "Write a synthetic world with known facts and a planted bias: LAMA facts, CrowS-Pairs, StereoSet, a training corpus, held-out text and tokenizer files.")
        {
            seed, skew, people, small, output,
        };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var options = Options(r.GetValue(seed), r.GetValue(skew), r.GetValue(people), r.GetValue(small));
            Write(options, r.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The world's options from the command's values, each checked and named in the error.</summary>
    private static WorldOptions Options(int seed, double biasSkew, int? people, bool small)
    {
        var options = (small ? WorldOptions.Small(seed) : new WorldOptions { Seed = seed }) with { BiasSkew = CheckBiasSkew(biasSkew) };
        if (people is { } n)
        {
            if (n < 1) throw new UsageException($"--people: {n} (expected a positive number of people).");
            options = options with { People = n };
        }
        return options;
    }

    /// <summary>Returns <paramref name="skew"/> when it lies in [0, 1]; otherwise the usage error of --bias-skew.</summary>
    internal static double CheckBiasSkew(double skew)
        => skew is >= 0 and <= 1 ? skew : throw new UsageException($"--bias-skew: {skew} (expected a strength between 0 and 1).");

    /// <summary>
    /// Generates the world of <paramref name="options"/> and writes it to <paramref name="dir"/> (atomically, refusing a
    /// folder that is neither empty nor an earlier world), then prints a one-line summary.
    /// </summary>
    internal static KnowledgeWorld Write(WorldOptions options, string dir)
    {
        OutputFile.ReportWriteErrors(() => WorldWriter.CheckWritable(dir));
        var world = KnowledgeWorld.Generate(UserInput.Check(options.Validate));
        OutputFile.ReportWriteErrors(() => WorldWriter.Write(world, dir));
        AnsiConsole.MarkupLine($"world: {world.Facts.Count} facts over {WorldRelation.All.Count} relations, {world.Corpus.Count} training sentences, " +
                               $"bias skew {options.BiasSkew} → [blue]{Markup.Escape(dir)}[/]");
        return world;
    }
}
