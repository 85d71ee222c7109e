// ModelGen quick start: a network declared with attributes (Mlp.cs), trained on MNIST digits, its test accuracy printed.
// Run from anywhere inside the repository: dotnet run --project examples/QuickStart -c Release [-- DATA_FOLDER]
using ModelGen.Data;
using ModelGen.Training;
using QuickStart;

// The bundled 10k-digit MNIST subset, found by walking up from the current folder (or give a folder as argument).
var dataFolder = args.Length > 0 ? args[0] : FindBundledData();
var (train, test) = IdxDataset.Load(dataFolder);

// The generated constructor initializes the parameters from the seed, like PyTorch's nn.Linear.
var network = new Mlp(seed: 0);
var optimizer = new Adam(network.Parameters, learningRate: 1.2e-3f);
var trainer = new Trainer(network, optimizer, new TrainingOptions { Epochs = 3, BatchSize = 60, Seed = 0 });
var result = trainer.Train(train, test);

foreach (var epoch in result.Epochs)
{
    Console.WriteLine($"epoch {epoch.Epoch}: train loss {epoch.TrainLoss:0.0000}, test accuracy {epoch.Test?.Accuracy:P2}");
}

var evaluation = Evaluator.Evaluate(network, test);
Console.WriteLine($"{network.Name}: test accuracy {evaluation.Accuracy:P2} on {evaluation.Count} digits ({result.TrainSamplesPerSecond:N0} training samples/s)");

static string FindBundledData()
{
    for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
    {
        var candidate = Path.Combine(folder.FullName, "examples", "data", "mnist-10k");
        if (Directory.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new DirectoryNotFoundException("examples/data/mnist-10k not found above the current folder; pass the data folder as the first argument.");
}
