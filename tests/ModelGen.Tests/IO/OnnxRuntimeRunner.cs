using Microsoft.ML.OnnxRuntime;

namespace ModelGen.Tests.IO;

/// <summary>Runs an exported model in ONNX Runtime (CPU execution provider, one thread) on a float batch.</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>The first output of <paramref name="model"/> for <paramref name="batch"/> rows of <paramref name="features"/> inputs.</summary>
    public static float[] Run(byte[] model, float[] input, int batch, int features)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, new long[] { batch, features });
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [ModelGen.IO.OnnxExporter.InputName], [inputValue], [ModelGen.IO.OnnxExporter.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
