using System.ComponentModel;
using System.Reflection;
using ModelGen.Kernels;
using ModelGen.Model;
using Xunit;

namespace ModelGen.Tests;

/// <summary>
/// What a user's completion list shows: the kernels and guards that only generated code calls stay public (the
/// generated code lives in the user's assembly) but carry <c>[EditorBrowsable(Never)]</c>, as System.Text.Json's
/// metadata services do.
/// </summary>
public sealed class ApiSurfaceTests
{
    [Fact]
    public void KernelsAndGuardsForGeneratedCodeAreHiddenFromCompletion()
    {
        Type[] hidden = [typeof(ActivationKernels), typeof(RowOps), typeof(SoftmaxCrossEntropy), typeof(NetworkGuard), typeof(ParameterInitializer)];
        Assert.All(hidden, type =>
        {
            Assert.True(type.IsPublic, $"{type} must stay public: generated code calls it");
            Assert.Equal(EditorBrowsableState.Never, type.GetCustomAttribute<EditorBrowsableAttribute>()?.State);
        });

        // Gemm keeps its thread setting in view (the CLI's --threads, benchmarks) and hides its three products.
        Assert.Null(typeof(Gemm).GetCustomAttribute<EditorBrowsableAttribute>());
        Assert.Null(typeof(Gemm).GetProperty(nameof(Gemm.MaxDegreeOfParallelism))!.GetCustomAttribute<EditorBrowsableAttribute>());
        Assert.All(
            typeof(Gemm).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.Name.StartsWith("Multiply", StringComparison.Ordinal)),
            method => Assert.Equal(EditorBrowsableState.Never, method.GetCustomAttribute<EditorBrowsableAttribute>()?.State));
    }

    [Fact]
    public void EveryPublicKernelTypeIsHiddenOrGemm()
    {
        // A new kernel type added for generated code should be hidden too (or listed here with the reason it is not).
        var visible = typeof(Gemm).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "ModelGen.Kernels" && t != typeof(Gemm))
            .Where(t => t.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never)
            .Select(t => t.FullName);

        Assert.Empty(visible);
    }
}
