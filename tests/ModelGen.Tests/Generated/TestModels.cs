namespace ModelGen.Tests.Generated;

// Small networks whose generated code the tests check against an independent double-precision reference.

[Model(Input = 5, Name = "test-relu")]
[Dense(4, Activation.ReLU)]
[Dense(3, Activation.ReLU)]
[Dense(3)]
public partial class ReluNet
{
}

[Model(Input = 5, Name = "test-tanh")]
[Dense(4, Activation.Tanh)]
[Dense(3, Activation.Tanh)]
[Dense(3)]
public partial class TanhNet
{
}

[Model(Input = 5, Name = "test-sigmoid")]
[Dense(4, Activation.Sigmoid)]
[Dense(3, Activation.Sigmoid)]
[Dense(3)]
public partial class SigmoidNet
{
}

/// <summary>Factorized and plain layers mixed, a prunable factorized layer, a non-prunable plain one.</summary>
// 'low' (5 → 4 at rank 3) stores more weights than its plain layer would (MG0013): intended, the test needs a small
// factorized layer with more than one rank component, not a saving.
#pragma warning disable MG0013
[Model(Input = 7, Name = "test-factorized")]
[Dense(6, Activation.Tanh, Rank = 2)]
[Dense(5, Activation.ReLU, Prunable = false)]
[Dense(4, Activation.Sigmoid, Rank = 3, Prunable = true, Name = "low")]
[Dense(3)]
public partial class FactorizedMixNet
{
}
#pragma warning restore MG0013
