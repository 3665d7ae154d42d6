using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

/// <summary>Problems with known optima on which the tuners are compared.</summary>
internal static class SyntheticProblems
{
    /// <summary>Ten ranges x0…x9 in [0, 1] and a choice "mode" of four options, only "c" of which is good.</summary>
    public static SearchSpace SphereSpace()
    {
        var space = new SearchSpace();
        for (int i = 0; i < 10; i++) space.Add(new MLNet.Compression.AutoSearch.Space.Range($"x{i}", 0, 1));
        space.Add(new Choice("mode", "a", "b", "c", "d"));
        return space;
    }

    /// <summary>A shifted sphere: Σ (x_i − c_i)² with c_i = 0.2 + 0.06·i, plus 0.5 unless mode = "c"; optimum 0.</summary>
    public static Evaluation Sphere(Parameters p)
    {
        double loss = 0;
        for (int i = 0; i < 10; i++) { double d = p.Number($"x{i}") - (0.2 + 0.06 * i); loss += d * d; }
        if (p.Text("mode") != "c") loss += 0.5;
        return new Evaluation(loss, [loss]);
    }

    /// <summary>Options of a plan layer: sparsity and bits, as "s{percent}b{bits}".</summary>
    public static readonly string[] LayerOptions = ["s0b8", "s25b8", "s50b8", "s0b4", "s25b4", "s50b4"];

    /// <summary>Twelve layer choices of six options each, like a per-layer compression plan.</summary>
    public static SearchSpace PlanSpace()
    {
        var space = new SearchSpace();
        for (int i = 0; i < 12; i++) space.Add(new Choice($"layer{i}", LayerOptions));
        return space;
    }

    /// <summary>
    /// A plan-like loss: knowledge damage Σ sensitivity_i · damage(option) (sensitivities vary 30-fold across layers),
    /// plus a penalty of 5 per unit of size above a budget of 0.3 of the dense size — so the best plans compress the
    /// insensitive layers hard and keep the sensitive ones.
    /// </summary>
    public static Evaluation Plan(Parameters p)
    {
        double damage = 0, size = 0;
        for (int i = 0; i < 12; i++)
        {
            double sensitivity = 0.1 + 2.9 * ((i * 7) % 12) / 11.0;
            var (sparsity, bits) = Option(p.Text($"layer{i}"));
            damage += sensitivity * (sparsity * sparsity * 2 + (bits == 4 ? 0.15 : 0));
            size += (1 - sparsity) * bits / 16.0;
        }
        double over = Math.Max(0, size / 12 - 0.3);
        double loss = damage + 5 * 12 * over;
        return new Evaluation(loss, [size / 12, damage], over);
    }

    private static (double Sparsity, int Bits) Option(string o) => (int.Parse(o[1..o.IndexOf('b')]) / 100.0, int.Parse(o[(o.IndexOf('b') + 1)..]));

    /// <summary>Six ranges; ZDT1 (Zitzler, Deb, Thiele 2000): f1 = x0, f2 = g·(1 − √(f1/g)), g = 1 + 9·mean(x1…x5).</summary>
    public static SearchSpace ZdtSpace()
    {
        var space = new SearchSpace();
        for (int i = 0; i < 6; i++) space.Add(new MLNet.Compression.AutoSearch.Space.Range($"x{i}", 0, 1));
        return space;
    }

    public static Evaluation Zdt1(Parameters p)
    {
        double f1 = p.Number("x0");
        double g = 1 + 9 * Enumerable.Range(1, 5).Average(i => p.Number($"x{i}"));
        double f2 = g * (1 - Math.Sqrt(f1 / g));
        return new Evaluation(f1 + f2, [f1, f2]);
    }

    /// <summary>The area dominated by the 2-objective points and bounded by <paramref name="reference"/>.</summary>
    public static double Hypervolume(IEnumerable<double[]> points, (double X, double Y) reference)
    {
        var inside = points.Where(q => q[0] < reference.X && q[1] < reference.Y).OrderBy(q => q[0]).ThenBy(q => q[1]).ToList();
        double area = 0, lastY = reference.Y;
        foreach (var q in inside)
        {
            if (q[1] >= lastY) continue;
            area += (reference.X - q[0]) * (lastY - q[1]);
            lastY = q[1];
        }
        return area;
    }
}
