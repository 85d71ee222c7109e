namespace ModelGen.Examples;

/// <summary>
/// LeNet-300-100 baked from the project's 98% lottery ticket (<c>lenet300-lth98.ticket</c>: iterative magnitude
/// pruning with rewinding to θ0 of seed 0, found by <c>train --method lth --sparsity 0.98 --save-ticket</c>). The
/// generator turns the ticket's pattern into the class's structure: only kept weights of units that reach the output
/// are parameters, and the default seed (the ticket's) starts from the ticket's θ0. See docs/TICKETS.md, "Baking a ticket".
/// </summary>
[Model(Input = 784, Name = "lenet300-ticket98")]
[Dense(300, Activation.ReLU)]
[Dense(100, Activation.ReLU)]
[Dense(10)]
[Ticket("lenet300-lth98.ticket")]
public partial class LeNet300Ticket98
{
}
