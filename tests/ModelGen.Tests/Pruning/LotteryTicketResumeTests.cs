using System.Globalization;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.IO;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// A lottery-ticket search resumed from any of its checkpoints (through <see cref="TrainingCheckpoint"/> files, as the
/// CLI does) ends at the same ticket, bit for bit, as the search that never stopped.
/// </summary>
public sealed class LotteryTicketResumeTests : IDisposable
{
    private static readonly Dataset Train = PruningFixtures.Synthetic(60, 7, 4, seed: 3);
    private static readonly TrainingOptions Options = new() { Epochs = 3, BatchSize = 20, Seed = 1 };
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Resuming_from_every_checkpoint_lands_on_the_same_ticket(int rewindIteration)
    {
        var lottery = new LotteryTicketOptions { RewindIteration = rewindIteration, PruneRate = 0.4 };
        var reference = new PruneOddNet(seed: 9);
        var referenceOptimizer = new Adam(reference.Parameters, 1e-2f);
        var search = new LotteryTicketSearch(reference, referenceOptimizer, Options, lottery);
        var checkpoints = new List<(string Folder, LotteryTicketPosition Position)>();
        // The CLI's checkpoint before the first step: round 0, nothing trained, no rewind weights saved.
        var start = Path.Combine(_folder.Path, $"r{rewindIteration}-start");
        Save(start, reference, referenceOptimizer, new LotteryTicketPosition(0, 0, null));
        checkpoints.Add((start, new LotteryTicketPosition(0, 0, null)));
        search.Checkpoint = position =>
        {
            var folder = Path.Combine(_folder.Path, $"r{rewindIteration}-{checkpoints.Count}");
            Save(folder, reference, referenceOptimizer, position);
            checkpoints.Add((folder, position));
        };
        var result = search.Run([0.75], Train);
        Assert.True(result.Rounds.Count >= 3, $"{result.Rounds.Count} rounds");
        // The start, two checkpoints inside each round of three epochs, one between rounds.
        Assert.Equal(3 * result.Rounds.Count, checkpoints.Count);
        // Late rewinding (step 4 of 3-step epochs): the checkpoint after epoch 1 comes before the rewind weights exist.
        Assert.Equal(rewindIteration == 0 ? 1 : 2, checkpoints.Count(c => c.Position.Rewind is null));

        foreach (var (folder, position) in checkpoints)
        {
            var network = new PruneOddNet(seed: 1);
            var optimizer = new Adam(network.Parameters, 1e-2f);
            var resumed = new LotteryTicketSearch(network, optimizer, Options, lottery) { ResumeFrom = Load(folder, network, optimizer) };
            var tail = resumed.Run([0.75], Train);

            NetworkWeightsTests.AssertSameBits(reference.Parameters.Values, network.Parameters.Values);
            NetworkWeightsTests.AssertSameBits(reference.Masks.Values, network.Masks.Values);
            Assert.Equal(result.Rounds.Count - position.Round, tail.Rounds.Count);
            Assert.Equal(0.75, Assert.Single(tail.Tickets).TargetSparsity);
        }
    }

    [Fact]
    public void A_position_that_lacks_the_rewind_weights_it_needs_is_refused()
    {
        var network = new PruneOddNet(seed: 1);
        var search = new LotteryTicketSearch(network, new Adam(network.Parameters, 1e-2f), Options) { ResumeFrom = new LotteryTicketPosition(Round: 1, CompletedEpochs: 1, Rewind: null) };

        var error = Assert.Throws<ArgumentException>(() => search.Run([0.75], Train));

        Assert.Contains("needs the rewind weights", error.Message, StringComparison.Ordinal);
    }

    private static void Save(string folder, INetwork network, Adam optimizer, LotteryTicketPosition position)
    {
        var tensors = position.Rewind is null ? null : new Dictionary<string, float[]> { ["rewind"] = position.Rewind };
        TrainingCheckpoint.Save(folder, network, optimizer, position.CompletedEpochs, state: new Dictionary<string, string> { ["lth_round"] = position.Round.ToString(CultureInfo.InvariantCulture) }, tensors: tensors);
    }

    private static LotteryTicketPosition Load(string folder, INetwork network, Adam optimizer)
    {
        var info = TrainingCheckpoint.Load(folder, network, optimizer);
        return new LotteryTicketPosition(int.Parse(info.State["lth_round"], CultureInfo.InvariantCulture), info.CompletedEpochs, info.Tensors.GetValueOrDefault("rewind"));
    }
}
