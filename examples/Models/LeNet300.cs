namespace ModelGen.Examples;

/// <summary>LeNet-300-100 (LeCun et al. 1998), the lottery-ticket paper's MNIST network: 266,610 parameters.</summary>
[Model(Input = 784, Name = "lenet300")]
[Dense(300, Activation.ReLU)]
[Dense(100, Activation.ReLU)]
[Dense(10)]
public partial class LeNet300
{
}
