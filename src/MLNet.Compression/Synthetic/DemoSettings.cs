namespace MLNet.Compression.Synthetic;

/// <summary>
/// The demo's world, training runs and grids in one place, so the `demo` command and the benchmarks that repeat its
/// measurements (bias against skew) use the same settings.
/// </summary>
/// <param name="World">the synthetic world</param>
/// <param name="MaskedLm">training of the BERT-style masked LM</param>
/// <param name="CausalLm">training of the GPT-2-style causal LM</param>
/// <param name="Sparsities">sparsities of seed study 1's grid</param>
/// <param name="SearchTrials">trials of the short search the demo ends with</param>
/// <param name="SearchBudget">its size budget, in the form `search --size-budget` takes</param>
/// <param name="DistillSteps">steps of the masked LM's distilled student in the study grid</param>
/// <param name="RecoverSteps">steps of the recovery of its magnitude-0.7 model</param>
public sealed record DemoSettings(WorldOptions World, WorldModelTrainer.Options MaskedLm, WorldModelTrainer.Options CausalLm, IReadOnlyList<double> Sparsities,
    int SearchTrials = 16, string SearchBudget = "3bits", int DistillSteps = 800, int RecoverSteps = 200)
{
    /// <summary>Fractions of each training run saved as checkpoints for seed study 2's pretraining-progress grid.</summary>
    public static IReadOnlyList<double> DefaultCheckpointFractions { get; } = [0.1, 0.2, 0.4, 1.0];

    /// <summary>The full demo: 150 people, a 4-layer masked LM (6000 steps) and causal LM (3000 steps), five sparsities.</summary>
    public static DemoSettings Full(double biasSkew, IReadOnlyList<double>? checkpointFractions = null) => new(
        new WorldOptions { People = 150, BiasSkew = biasSkew },
        new WorldModelTrainer.Options { Steps = 6000, CheckpointFractions = checkpointFractions ?? DefaultCheckpointFractions },
        new WorldModelTrainer.Options { Steps = 3000, LearningRate = 5e-3, CheckpointFractions = checkpointFractions ?? DefaultCheckpointFractions },
        [0.1, 0.3, 0.5, 0.7, 0.9]);

    /// <summary>The quick demo CI runs: a small world, 2-layer models trained for a few hundred steps, one sparsity.</summary>
    public static DemoSettings Quick(double biasSkew, IReadOnlyList<double>? checkpointFractions = null) => new(
        WorldOptions.Small(1) with { BiasSkew = biasSkew },
        new WorldModelTrainer.Options { Hidden = 64, Layers = 2, Steps = 400, CheckpointFractions = checkpointFractions ?? [0.5, 1.0] },
        new WorldModelTrainer.Options { Hidden = 64, Layers = 2, Steps = 300, LearningRate = 3e-3, CheckpointFractions = checkpointFractions ?? [0.5, 1.0] },
        [0.5], SearchTrials: 6, DistillSteps: 30, RecoverSteps: 20);
}
