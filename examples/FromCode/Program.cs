// ModelGen from code: declare a network, load data, train, prune with SNIP, find a lottery ticket, save, load, evaluate.
// Run from the repository root: dotnet run --project examples/FromCode -c Release [-- DATA_FOLDER]
using ModelGen;
using ModelGen.Data;
using ModelGen.IO;
using ModelGen.Pruning;
using ModelGen.Training;

// Load: a folder of IDX files (MNIST's names by default, IdxDatasetOptions for others), pixels scaled to [0, 1].
var (train, test) = IdxDataset.Load(args.Length > 0 ? args[0] : "examples/data/mnist-10k");
var training = new TrainingOptions { Epochs = 2, BatchSize = 60, Seed = 0 };

// Train: the generated constructor initializes like PyTorch's nn.Linear, deterministically from the seed.
var dense = new LeNet(seed: 0);
new Trainer(dense, new Adam(dense.Parameters, learningRate: 1.2e-3f), training).Train(train);
Console.WriteLine($"dense:  {Evaluator.Evaluate(dense, test).Accuracy:P2}");

// Prune with SNIP before training: remove 90% of the weights by connection sensitivity on 1,000 training digits.
var snip = new LeNet(seed: 0);
var report = new SnipPruner(train).Prune(snip, sparsity: 0.9);
new Trainer(snip, new Adam(snip.Parameters, 1.2e-3f), training).Train(train);
Console.WriteLine($"SNIP:   {Evaluator.Evaluate(snip, test).Accuracy:P2} with {report.KeptWeights:N0} of {report.TotalWeights:N0} weights");

// Find a lottery ticket: train, remove half of each layer's remaining weights by magnitude, rewind the rest to their
// initial values, repeat; the round that would pass 80% sparsity lands on it exactly.
var lth = new LeNet(seed: 0);
var search = new LotteryTicketSearch(lth, new Adam(lth.Parameters, 1.2e-3f), training, new LotteryTicketOptions { PruneRate = 0.5 });
var ticket = search.Run([0.8], train, test).Tickets[0];
Console.WriteLine($"ticket: {ticket.Training.TestAccuracy:P2} at sparsity {ticket.Pruning.AchievedSparsity:P1} after {ticket.Round} rounds");

// Save (safetensors under PyTorch's names: fc1.weight with removed weights 0, fc1.weight_mask, fc1.bias, ...), load
// into a network made from another seed, evaluate: the same network, so the same accuracy.
var path = Path.Combine(Path.GetTempPath(), $"lenet-ticket-{Environment.ProcessId}.safetensors");
NetworkWeights.Save(lth, path);
var loaded = new LeNet(seed: 1);
NetworkWeights.Load(loaded, path);
File.Delete(path);
var evaluation = Evaluator.Evaluate(loaded, test);
Console.WriteLine($"loaded: {evaluation.Accuracy:P2} on {evaluation.Count} test digits");
if (evaluation != Evaluator.Evaluate(lth, test))
{
    throw new InvalidOperationException("The loaded network does not evaluate like the saved one.");
}

// Declare: attributes on a partial class; the generator writes forward, backward and Hessian-vector products, plain
// and mask-aware, at build time.
[Model(Input = 784)]
[Dense(300, Activation.ReLU)]
[Dense(100, Activation.ReLU)]
[Dense(10)]                      // logits; the loss is softmax cross-entropy
public partial class LeNet
{
}
