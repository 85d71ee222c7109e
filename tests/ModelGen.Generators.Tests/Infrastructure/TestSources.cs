namespace ModelGen.Generators.Tests.Infrastructure;

/// <summary>Model declarations shared by several test classes.</summary>
internal static class TestSources
{
    /// <summary>An example model from examples/Models, as copied next to the test assembly.</summary>
    public static SourceFile ExampleModel(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ExampleModels", fileName);
        return new SourceFile("/examples/Models/" + fileName, File.ReadAllText(path));
    }

    /// <summary>
    /// A small model in the global namespace covering what LeNet-300-100 does not: Tanh and Sigmoid, custom layer
    /// names mixed with a default one (the second layer is still called fc2), and a layer whose weights are not prunable.
    /// </summary>
    public const string MixedActivationsInGlobalNamespace = """
        using ModelGen;

        /// <summary>Six inputs, three logits.</summary>
        [Model(Input = 6, Name = "tiny-mixed")]
        [Dense(5, Activation.Tanh, Name = "encoder")]
        [Dense(4, Activation.Sigmoid, Prunable = false)]
        [Dense(3, Name = "head")]
        public partial class TinyMixed
        {
        }
        """;

    /// <summary>
    /// Two models in one file: one with no prunable layer at all (masks can never become active, a separate emitter
    /// path) and one whose factorized layer is explicitly prunable (masks over U and Vt).
    /// </summary>
    /// <summary>Every spatial kind: padding and stride, average and max pooling, a pool first, an explicit flatten.</summary>
    public const string ConvVariants = """
        using ModelGen;

        namespace ModelGen.GeneratorTests
        {
            [Model(Channels = 3, Height = 9, Width = 7, Name = "conv-variants")]
            [AvgPool2D(2, Stride = 1)]
            [Conv2D(4, 3, Activation.Tanh, Stride = 2, Padding = 1, Prunable = false)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(3)]
            public partial class ConvVariants
            {
            }
        }
        """;

    public const string MaskVariants = """
        namespace ModelGen.GeneratorTests
        {
            /// <summary>Nothing prunable: the generated mask preparation is a constant false.</summary>
            [Model(Input = 3)]
            [Dense(4, Activation.ReLU, Prunable = false)]
            [Dense(2, Prunable = false)]
            public partial class Frozen
            {
            }

            /// <summary>A factorized layer whose factors may be pruned.</summary>
            [Model(Input = 8, Name = "prunable-factors")]
            [Dense(6, Activation.Tanh, Rank = 2, Prunable = true)]
            [Dense(3)]
            public partial class PrunableFactors
            {
            }
        }
        """;

    /// <summary>The source model of <see cref="BakedTicket"/>'s ticket.</summary>
    public const string BakedTicketSource = """
        using ModelGen;

        namespace Tickets;

        [Model(Input = 4, Name = "small")]
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        public partial class Small
        {
        }
        """;

    /// <summary>The same layers baked from a ticket (small.ticket, next to the file).</summary>
    public const string BakedTicket = """
        using ModelGen;

        namespace Tickets;

        /// <summary>A baked ticket.</summary>
        [Model(Input = 4, Name = "small-baked")]
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        [Ticket("small.ticket")]
        public partial class SmallBaked
        {
        }
        """;
}
