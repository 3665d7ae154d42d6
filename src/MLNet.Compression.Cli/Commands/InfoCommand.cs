using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress info --model DIR`: family, size and every linear layer with its group, shape, storage form, measured
/// sparsity, bits and bytes; for a compressed folder also the format version, the source hash and each layer's stages.
/// </summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json + *.safetensors) or llama2.c .bin file.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var cmd = new Command("info", "Show a model's family, parameter count, size and linear layers.") { model, json };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(json))));
        return cmd;
    }

    private static int Run(string path, bool asJson)
    {
        var m = ModelLoader.Load(path);
        // A compressed folder's manifest says what each stage did; sparsity is always measured on the weights themselves.
        var manifest = CompressedModel.IsCompressedFolder(path) ? CompressedModel.ReadManifest(path) : null;
        var info = new ModelInfo(path, m, manifest);
        if (asJson) Console.WriteLine(info.ToJson());
        else info.WriteTables();
        return 0;
    }
}
