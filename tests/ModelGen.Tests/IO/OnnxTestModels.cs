namespace ModelGen.Tests.IO;

/// <summary>
/// Every layer kind and activation in one network: a prunable factorized layer with Tanh, a plain Sigmoid layer, a
/// non-prunable factorized ReLU layer and dense logits. Small enough to export and run in milliseconds.
/// </summary>
[Model(Input = 784, Name = "onnx-mixed")]
[Dense(64, Activation.Tanh, Rank = 8, Prunable = true)]
[Dense(48, Activation.Sigmoid)]
[Dense(32, Activation.ReLU, Rank = 4)]
[Dense(10)]
public partial class OnnxMixedNet
{
}

/// <summary>A network whose last layer has an activation: the logits output is then the activation's value.</summary>
[Model(Input = 6, Name = "onnx-sigmoid-out")]
[Dense(5, Activation.ReLU)]
[Dense(3, Activation.Sigmoid)]
public partial class OnnxSigmoidOutputNet
{
}
