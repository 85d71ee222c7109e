namespace ModelGen.Pruning;

/// <summary>
/// Where a <see cref="LotteryTicketSearch"/> stands at a checkpoint: together with the network (weights, masks) and
/// the optimizer's state it is everything the search needs to continue as if it had never stopped.
/// </summary>
/// <param name="Round">The round being trained (0 is the unpruned first training).</param>
/// <param name="CompletedEpochs">Epochs of that round already trained (0: the round has not started).</param>
/// <param name="Rewind">The weights survivors are rewound to, once taken (laid out like the parameters); null before the rewind step is reached.</param>
public sealed record LotteryTicketPosition(int Round, int CompletedEpochs, float[]? Rewind);
