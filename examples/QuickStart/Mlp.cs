using ModelGen;

namespace QuickStart;

/// <summary>A 784-128-10 perceptron for MNIST. The attributes are the whole declaration: the generator writes the rest.</summary>
[Model(Input = 784, Name = "quickstart-mlp")]
[Dense(128, Activation.ReLU)]
[Dense(10)]                     // logits; the loss is softmax cross-entropy
public partial class Mlp
{
}
