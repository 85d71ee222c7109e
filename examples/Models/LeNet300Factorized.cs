namespace ModelGen.Examples;

// LeNet-300-100 with fc1 and fc2 factorized as U·Vt (Khodak et al. 2021); fc3, the logits, stays dense.

/// <summary>LeNet-300-100 with fc1 and fc2 at rank 8.</summary>
[Model(Input = 784, Name = "lenet300-r8")]
[Dense(300, Activation.ReLU, Rank = 8)]
[Dense(100, Activation.ReLU, Rank = 8)]
[Dense(10)]
public partial class LeNet300Rank8
{
}

/// <summary>LeNet-300-100 with fc1 and fc2 at rank 16.</summary>
[Model(Input = 784, Name = "lenet300-r16")]
[Dense(300, Activation.ReLU, Rank = 16)]
[Dense(100, Activation.ReLU, Rank = 16)]
[Dense(10)]
public partial class LeNet300Rank16
{
}

/// <summary>LeNet-300-100 with fc1 and fc2 at rank 32.</summary>
[Model(Input = 784, Name = "lenet300-r32")]
[Dense(300, Activation.ReLU, Rank = 32)]
[Dense(100, Activation.ReLU, Rank = 32)]
[Dense(10)]
public partial class LeNet300Rank32
{
}

/// <summary>LeNet-300-100 with fc1 and fc2 at rank 64.</summary>
[Model(Input = 784, Name = "lenet300-r64")]
[Dense(300, Activation.ReLU, Rank = 64)]
[Dense(100, Activation.ReLU, Rank = 64)]
[Dense(10)]
public partial class LeNet300Rank64
{
}
