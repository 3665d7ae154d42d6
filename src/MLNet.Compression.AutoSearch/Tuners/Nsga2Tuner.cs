using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002, "A Fast and Elitist Multiobjective Genetic Algorithm") on
/// <see cref="TrialResult.Objectives"/> (<see cref="TrialResult.Loss"/> when a trial reports none), with Deb's
/// constrained domination: a feasible trial beats an infeasible one, of two infeasible trials the smaller
/// <see cref="TrialResult.ConstraintViolation"/> wins, and feasible trials compare by Pareto domination; a failed trial
/// counts as infinitely infeasible. Run one child at a time (a steady-state NSGA-II, so parallel workers never wait for a
/// generation): until <see cref="PopulationSize"/> trials have finished proposals are uniform (after the starts); then
/// the parents are the best P finished trials by non-domination rank, then crowding distance, and each proposal is a
/// child of two binary-tournament winners by SBX crossover (η = 15) on ranges and uniform crossover on choices, followed
/// by polynomial mutation (η = 20) at rate 1/d.
/// </summary>
public sealed class Nsga2Tuner : UnitCubeTuner
{
    /// <summary>Distribution index of simulated binary crossover (Deb and Agrawal 1995).</summary>
    public const double CrossoverEta = 15;

    /// <summary>Distribution index of polynomial mutation (Deb and Goyal 1996).</summary>
    public const double MutationEta = 20;

    /// <summary>Probability that two parents are crossed at all (Deb et al. 2002 use 0.9).</summary>
    public const double CrossoverProbability = 0.9;

    private readonly List<(double[] Unit, double[] Objectives, double Violation, int TrialId)> _trials = [];
    private int _objectiveCount = -1;

    public Nsga2Tuner(SearchSpace space, TunerOptions options, int populationSize = 16) : base(space, options)
    {
        if (populationSize < 2) throw new ArgumentException($"nsga2: population size {populationSize} must be ≥ 2.");
        PopulationSize = populationSize;
    }

    /// <summary>P: the number of parents.</summary>
    public int PopulationSize { get; }

    protected override void Observe(TrialResult result, double[] unit)
    {
        var objectives = result.Objectives.Count > 0 ? result.Objectives : [result.Loss];
        double violation = result.Succeeded ? Math.Max(0, result.ConstraintViolation) : double.PositiveInfinity;
        if (double.IsNaN(violation)) violation = double.PositiveInfinity;
        if (_objectiveCount < 0 && result.Succeeded) _objectiveCount = objectives.Count;
        double[] values;
        if (_objectiveCount >= 0 && objectives.Count != _objectiveCount)
        {
            if (result.Succeeded)
                throw new ArgumentException($"nsga2: trial {result.TrialId} has {objectives.Count} objectives, earlier trials have {_objectiveCount}.");
            values = Enumerable.Repeat(double.PositiveInfinity, _objectiveCount).ToArray();
        }
        else values = objectives.Select(v => double.IsNaN(v) ? double.PositiveInfinity : v).ToArray();
        _trials.Add((unit, values, violation, result.TrialId));
        // A failed trial that came before the first success fixed no count; give it the count once one is known.
        if (_objectiveCount >= 0)
            for (int i = 0; i < _trials.Count; i++)
                if (_trials[i].Objectives.Length != _objectiveCount)
                    _trials[i] = _trials[i] with { Objectives = Enumerable.Repeat(double.PositiveInfinity, _objectiveCount).ToArray() };
    }

    protected override double[] Suggest(int trialId, int attempt, int draw, Random rng)
    {
        if (_trials.Count < PopulationSize || _objectiveCount < 0) return UniformPoint(rng);

        var (parents, rank, crowding) = SelectParents();
        int Tournament()
        {
            int a = parents[rng.Next(parents.Count)], b = parents[rng.Next(parents.Count)];
            if (rank[a] != rank[b]) return rank[a] < rank[b] ? a : b;
            if (crowding[a] != crowding[b]) return crowding[a] > crowding[b] ? a : b;
            return rng.Next(2) == 0 ? a : b;
        }
        var p1 = _trials[Tournament()].Unit;
        var p2 = _trials[Tournament()].Unit;

        var child = (double[])p1.Clone();
        bool cross = rng.NextDouble() < CrossoverProbability;
        double mutationRate = 1.0 / Math.Max(1, FreeDimensions.Count);
        foreach (int i in FreeDimensions)
        {
            if (Space.Dimensions[i] is Choice choice)
            {
                if (cross && rng.Next(2) == 1) child[i] = p2[i];
                if (rng.NextDouble() < mutationRate)
                {
                    int k = choice.Options.Count;
                    child[i] = (rng.Next(k) + 0.5) / k;
                }
            }
            else
            {
                if (cross && rng.NextDouble() < 0.5) child[i] = SimulatedBinaryCrossover(p1[i], p2[i], rng);
                if (rng.NextDouble() < mutationRate) child[i] = PolynomialMutation(child[i], rng);
            }
        }
        return child;
    }

    /// <summary>The best P finished trials (indices into the trial list) and every trial's rank and crowding distance.</summary>
    private (List<int> Parents, int[] Rank, double[] Crowding) SelectParents()
    {
        var objectives = _trials.Select(t => (IReadOnlyList<double>)t.Objectives).ToList();
        var violations = _trials.Select(t => t.Violation).ToList();
        var fronts = NonDominatedSort(objectives, violations);
        var rank = new int[_trials.Count];
        var crowding = new double[_trials.Count];
        var parents = new List<int>(PopulationSize);
        for (int f = 0; f < fronts.Count; f++)
        {
            var front = fronts[f];
            var d = CrowdingDistance(objectives, violations, front);
            for (int k = 0; k < front.Count; k++) { rank[front[k]] = f; crowding[front[k]] = d[k]; }
            if (parents.Count >= PopulationSize) continue;
            if (parents.Count + front.Count <= PopulationSize) { parents.AddRange(front); continue; }
            // The front that overflows: its least crowded members first (ties by trial id, for determinism).
            parents.AddRange(front.OrderByDescending(i => crowding[i]).ThenBy(i => _trials[i].TrialId).Take(PopulationSize - parents.Count));
        }
        return (parents, rank, crowding);
    }

    /// <summary>
    /// One child of SBX (Deb and Agrawal 1995) in the unit interval: spread factor β from the polynomial distribution
    /// of index <see cref="CrossoverEta"/>, the two children (1 ± β)/2·x1 + (1 ∓ β)/2·x2, one of them at random, clamped.
    /// </summary>
    private static double SimulatedBinaryCrossover(double x1, double x2, Random rng)
    {
        double u = rng.NextDouble();
        double beta = u <= 0.5 ? Math.Pow(2 * u, 1 / (CrossoverEta + 1)) : Math.Pow(1 / (2 * (1 - u)), 1 / (CrossoverEta + 1));
        double c = rng.Next(2) == 0 ? 0.5 * ((1 + beta) * x1 + (1 - beta) * x2) : 0.5 * ((1 - beta) * x1 + (1 + beta) * x2);
        return Math.Clamp(c, 0, 1);
    }

    /// <summary>Deb's bounded polynomial mutation in [0, 1] with index <see cref="MutationEta"/> (Deb and Goyal 1996).</summary>
    private static double PolynomialMutation(double x, Random rng)
    {
        double u = rng.NextDouble();
        double power = 1 / (MutationEta + 1);
        double delta = u < 0.5
            ? Math.Pow(2 * u + (1 - 2 * u) * Math.Pow(1 - x, MutationEta + 1), power) - 1
            : 1 - Math.Pow(2 * (1 - u) + 2 * (u - 0.5) * Math.Pow(x, MutationEta + 1), power);
        return Math.Clamp(x + delta, 0, 1);
    }

    /// <summary>Deb's constrained domination of point <paramref name="a"/> over <paramref name="b"/> (all objectives minimised).</summary>
    internal static bool Dominates(IReadOnlyList<double> a, double violationA, IReadOnlyList<double> b, double violationB)
    {
        bool feasibleA = violationA <= 0, feasibleB = violationB <= 0;
        if (feasibleA != feasibleB) return feasibleA;
        if (!feasibleA) return violationA < violationB;
        bool strictly = false;
        for (int m = 0; m < a.Count; m++)
        {
            if (a[m] > b[m]) return false;
            if (a[m] < b[m]) strictly = true;
        }
        return strictly;
    }

    /// <summary>
    /// Deb's fast non-dominated sort under constrained domination: the fronts, best first, each a list of point indices
    /// in ascending order. Front 0 holds the points no other point dominates, front 1 those dominated only by front 0, ….
    /// </summary>
    internal static IReadOnlyList<IReadOnlyList<int>> NonDominatedSort(IReadOnlyList<IReadOnlyList<double>> objectives, IReadOnlyList<double> violations)
    {
        int n = objectives.Count;
        if (violations.Count != n) throw new ArgumentException($"non-dominated sort: {n} points and {violations.Count} violations.");
        var dominated = new List<int>[n];        // the points i dominates
        var dominatorCount = new int[n];
        var current = new List<int>();
        for (int i = 0; i < n; i++)
        {
            dominated[i] = [];
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                if (Dominates(objectives[i], violations[i], objectives[j], violations[j])) dominated[i].Add(j);
                else if (Dominates(objectives[j], violations[j], objectives[i], violations[i])) dominatorCount[i]++;
            }
            if (dominatorCount[i] == 0) current.Add(i);
        }
        var fronts = new List<IReadOnlyList<int>>();
        while (current.Count > 0)
        {
            fronts.Add(current);
            var next = new List<int>();
            foreach (int i in current)
                foreach (int j in dominated[i])
                    if (--dominatorCount[j] == 0) next.Add(j);
            next.Sort();
            current = next;
        }
        return fronts;
    }

    /// <summary>
    /// Crowding distance of each point of <paramref name="front"/> (same order): per objective, sorted by value, the
    /// boundary points get +∞ and each inner point adds the normalised gap between its neighbours (Deb et al. 2002, §III-B).
    /// An objective with no spread adds nothing. Points of an infeasible front are ordered by violation only, so they get 0.
    /// </summary>
    internal static double[] CrowdingDistance(IReadOnlyList<IReadOnlyList<double>> objectives, IReadOnlyList<double> violations, IReadOnlyList<int> front)
    {
        var distance = new double[front.Count];
        if (front.Count == 0 || front.Any(i => violations[i] > 0)) return distance;
        if (front.Count <= 2) { Array.Fill(distance, double.PositiveInfinity); return distance; }
        int m = objectives[front[0]].Count;
        var order = Enumerable.Range(0, front.Count).ToArray();
        for (int k = 0; k < m; k++)
        {
            Array.Sort(order, (a, b) => objectives[front[a]][k] != objectives[front[b]][k]
                ? objectives[front[a]][k].CompareTo(objectives[front[b]][k]) : a.CompareTo(b));
            double min = objectives[front[order[0]]][k], max = objectives[front[order[^1]]][k];
            distance[order[0]] = distance[order[^1]] = double.PositiveInfinity;
            double span = max - min;
            if (!(span > 0) || !double.IsFinite(span)) continue;
            for (int r = 1; r < order.Length - 1; r++)
                distance[order[r]] += (objectives[front[order[r + 1]]][k] - objectives[front[order[r - 1]]][k]) / span;
        }
        return distance;
    }

    /// <summary>Crowding distance of the points of a front of feasible points (see the overload with violations).</summary>
    internal static double[] CrowdingDistance(IReadOnlyList<IReadOnlyList<double>> objectives, IReadOnlyList<int> front)
        => CrowdingDistance(objectives, new double[objectives.Count], front);

    /// <summary>
    /// Indices (ascending) of the feasible points (violation 0) that no other feasible point Pareto-dominates: the front a
    /// report shows. Empty when no point is feasible.
    /// </summary>
    public static IReadOnlyList<int> ParetoFront(IReadOnlyList<IReadOnlyList<double>> objectives, IReadOnlyList<double> violations)
    {
        if (violations.Count != objectives.Count) throw new ArgumentException($"pareto front: {objectives.Count} points and {violations.Count} violations.");
        var front = new List<int>();
        for (int i = 0; i < objectives.Count; i++)
        {
            if (violations[i] > 0) continue;
            bool dominated = false;
            for (int j = 0; j < objectives.Count && !dominated; j++)
                dominated = j != i && violations[j] <= 0 && Dominates(objectives[j], 0, objectives[i], 0);
            if (!dominated) front.Add(i);
        }
        return front;
    }
}
