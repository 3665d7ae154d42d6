namespace MLNet.Compression.Training;

/// <summary>The shape of the learning rate after warm-up.</summary>
public enum ScheduleKind
{
    /// <summary>Flat after warm-up (get_constant_schedule_with_warmup).</summary>
    Constant,
    /// <summary>Linear decay to 0 at the last step (get_linear_schedule_with_warmup).</summary>
    Linear,
    /// <summary>Half a cosine from 1 to 0 (get_cosine_schedule_with_warmup, num_cycles = 0.5).</summary>
    Cosine,
}

/// <summary>
/// Warm-up then decay, as Hugging Face's schedules (transformers/optimization.py) define the multiplier of the base
/// learning rate for a 0-based step s: s/warmup while s &lt; warmup, then by <see cref="ScheduleKind"/> over the
/// remaining steps. The first optimizer step uses s = 0 (so with warm-up it is a zero step, as in Hugging Face).
/// </summary>
public sealed record LearningRateSchedule(ScheduleKind Kind, int WarmupSteps, int TotalSteps)
{
    /// <summary>Multiplier of the base learning rate at 0-based step <paramref name="step"/>.</summary>
    public double Factor(int step)
    {
        if (step < WarmupSteps) return (double)step / Math.Max(1, WarmupSteps);
        if (Kind == ScheduleKind.Constant) return 1.0;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            ScheduleKind.Linear => Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps)),
            _ => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * 2.0 * 0.5 * progress))),
        };
    }
}
