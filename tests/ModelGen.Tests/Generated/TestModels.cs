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

/// <summary>Padding, a max-pool whose border row is dropped, a 2×2 convolution, an explicit flatten.</summary>
[Model(Channels = 2, Height = 7, Width = 6, Name = "test-conv-tanh")]
[Conv2D(3, 3, Activation.Tanh, Padding = 1)]
[MaxPool2D(2)]
[Conv2D(4, 2, Activation.Sigmoid)]
[Flatten]
[Dense(3)]
public partial class ConvTanhNet
{
}

/// <summary>Stride 2 on an odd input, overlapping average pooling (stride 1), an implied flatten into two dense layers.</summary>
[Model(Channels = 1, Height = 9, Width = 8, Name = "test-conv-stride")]
[Conv2D(3, 3, Activation.ReLU, Stride = 2)]
[AvgPool2D(2, Stride = 1)]
[Dense(4, Activation.Tanh)]
[Dense(3)]
public partial class ConvStrideNet
{
}

/// <summary>A pool as the first layer (no input gradient, R{x} = 0), a non-prunable convolution, a named one.</summary>
[Model(Channels = 2, Height = 6, Width = 6, Name = "test-pool-first")]
[MaxPool2D(2)]
[Conv2D(2, 2, Activation.Tanh, Prunable = false)]
[Conv2D(3, 1, Activation.Sigmoid, Name = "mix")]
[Dense(3)]
public partial class PoolFirstNet
{
}
