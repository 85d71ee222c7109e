namespace ModelGen.Examples;

/// <summary>
/// LeNet-300-100 with the lottery-ticket paper's pruning plan declared on it (Frankle and Carbin 2019: iterative
/// magnitude pruning, 20% of each layer per round, the output layer at 10%): <c>train --model lenet300-lth</c> runs
/// that plan without <c>--method</c>, and the analyzers check it at build time.
/// </summary>
[Model(Input = 784, Name = "lenet300-lth")]
[PruningPlan("lth", 0.9, PruneRate = 0.2, OutputLayerPruneRate = 0.1)]
[Dense(300, Activation.ReLU)]
[Dense(100, Activation.ReLU)]
[Dense(10)]
public partial class LeNet300Planned
{
}
