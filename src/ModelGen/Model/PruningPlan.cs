namespace ModelGen.Model;

/// <summary>A model's declared pruning plan (<c>[PruningPlan]</c>), as its <see cref="ModelDescriptor"/> exposes it.</summary>
/// <param name="Method">The method's CLI name (<c>magnitude</c>, <c>lth</c>, …).</param>
/// <param name="Sparsity">Fraction of prunable weights to remove.</param>
/// <param name="Scope">The scope as the CLI spells it (<c>global</c> or <c>layer</c>); null for the method's default.</param>
/// <param name="PruneRate">Lottery tickets' per-round rate; null for the default.</param>
/// <param name="OutputLayerPruneRate">Lottery tickets' output-layer rate; null for half the prune rate.</param>
public sealed record PruningPlan(string Method, double Sparsity, string? Scope = null, double? PruneRate = null, double? OutputLayerPruneRate = null);
