namespace ModelGen.Examples;

/// <summary>
/// LeNet-5-Caffe as SNIP (Lee et al. 2019) prunes it: conv 20@5×5, max-pool 2, conv 50@5×5, max-pool 2, dense 500 ReLU,
/// dense 10, with ReLU after each convolution; 431,080 parameters, 430,500 of them prunable weights. The flatten before
/// fc1 is implied (50×4×4 = 800 inputs). Layer names follow PyTorch's: conv1, conv2, fc1, fc2.
/// </summary>
[Model(Channels = 1, Height = 28, Width = 28, Name = "lenet5")]
[Conv2D(20, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(50, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(500, Activation.ReLU)]
[Dense(10)]
public partial class LeNet5
{
}
