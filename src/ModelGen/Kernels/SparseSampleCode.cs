using System;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ModelGen.Kernels;

/// <summary>
/// The per-sample forward walk of one <see cref="SparsePattern"/> compiled into straight-line code at run time, as the
/// generator bakes a ticket at build time: every kept entry becomes <c>y[r] += w[r·cols + c] · x[c]</c> with r and the
/// position as constants, so the walk loads neither row indices nor positions and has no inner loop. Values are still
/// read in place from the caller's weights (the pattern holds positions only), and the code performs the walk's
/// operations in the walk's order (columns ascending, a zero input skipped, a multiply then an add per entry), so it
/// gives <see cref="SparseGemm"/>'s per-sample result bit for bit.
/// </summary>
/// <remarks>
/// Compiling is not cheap: LeNet-300-100's fc1 at 98% sparsity (2,511 kept) takes about 30 ms here (IL and JIT, some
/// 12 µs per kept entry), while its walk costs about a microsecond per sample and the code saves about a fifth of that.
/// So a pattern is compiled only once its per-sample forward has been called <see cref="CallsBeforeCompiling"/> times,
/// when the walk has spent about what compiling costs (the rent-or-buy rule: never more than twice the better choice):
/// serving and benchmark loops get the code, a pattern that lives for a few calls (a SynFlow round, a lottery-ticket
/// round) never pays for it. The choice changes only speed, never results. Runtimes without dynamic code (NativeAOT)
/// keep the walk. Code is split into methods of at most <see cref="EntriesPerMethod"/> entries: the JIT optimises
/// those fully, while methods of 2,048 entries fell back to unoptimised code (twice as slow as the walk). Patterns of
/// more than <see cref="MaxEntries"/> kept entries keep the walk: the code takes about 30 bytes per entry, and on
/// LeNet-300-100 at 90% sparsity (fc1 18.6k kept) compiled code was no faster than the walk at batch 1 (15.7 against
/// 15.9 µs and 14.8 against 15.6 µs, A/B), at 80% (fc1 about 35k kept) slower in one of two A/Bs, while at 95% and 98%
/// it gained a fifth to a third.
/// </remarks>
internal sealed unsafe class SparseSampleCode
{
    /// <summary>Per-sample forward calls of a pattern after which its code is compiled.</summary>
    internal const int CallsBeforeCompiling = 32 * 1024;

    /// <summary>The largest pattern (kept entries) that is compiled.</summary>
    internal const int MaxEntries = 16 * 1024;

    /// <summary>Kept entries per emitted method.</summary>
    internal const int EntriesPerMethod = 512;

    private readonly Walk[] _methods;

    private SparseSampleCode(Walk[] methods) => _methods = methods;

    /// <summary>y[0..rows) += the kept entries of one sample: the signature of every emitted method.</summary>
    private delegate void Walk(float* x, float* w, float* y);

    /// <summary>Whether this runtime can compile code at all (false under NativeAOT).</summary>
    internal static bool IsSupported => RuntimeFeature.IsDynamicCodeCompiled;

    /// <summary>Adds one sample's products to <paramref name="y"/> (rows values; the caller clears it unless accumulating).</summary>
    internal void Run(float* x, float* w, float* y)
    {
        foreach (var method in _methods)
        {
            method(x, w, y);
        }
    }

    /// <summary>
    /// Compiles the walk of <paramref name="pattern"/>; null when there is nothing to compile, the pattern is larger than
    /// <see cref="MaxEntries"/>, or positions would not fit 32-bit byte offsets.
    /// </summary>
    internal static SparseSampleCode? Compile(SparsePattern pattern)
    {
        if (!IsSupported || pattern.Count == 0 || pattern.Count > MaxEntries || (long)pattern.Rows * pattern.Cols * sizeof(float) > int.MaxValue)
        {
            return null;
        }

        var methods = new System.Collections.Generic.List<Walk>();
        var columns = pattern.ActiveColumns;
        var j = 0;
        var k = pattern.ColumnStarts[columns[0]];
        while (j < columns.Length)
        {
            methods.Add(EmitMethod(pattern, ref j, ref k));
        }

        // The JIT compiles a dynamic method at its first call: make that call here, inside ForCall's error handling, on an
        // all-zero input (every column is skipped, so neither the weights nor the output are touched).
        var zeros = new float[pattern.Cols];
        var unused = 0f;
        fixed (float* x = zeros)
        {
            foreach (var method in methods)
            {
                method(x, &unused, &unused);
            }
        }

        return new SparseSampleCode(methods.ToArray());
    }

    /// <summary>
    /// Emits the entries from entry <paramref name="k"/> of active column <paramref name="j"/> on, up to
    /// <see cref="EntriesPerMethod"/> of them, and advances both past what it emitted (a column longer than that is
    /// continued by the next method, which loads and tests its input again: the same operations on the same values).
    /// </summary>
    private static Walk EmitMethod(SparsePattern pattern, ref int j, ref int k)
    {
        var method = new DynamicMethod("SparseSampleWalk", typeof(void), [typeof(float*), typeof(float*), typeof(float*)], typeof(SparseSampleCode).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        var input = il.DeclareLocal(typeof(float));
        var columns = pattern.ActiveColumns;
        var starts = pattern.ColumnStarts;
        var rowIndex = pattern.RowIndices;
        var position = pattern.ColumnPositions;
        var emitted = 0;
        while (j < columns.Length && emitted < EntriesPerMethod)
        {
            var c = columns[j];
            var end = starts[c + 1];

            // float xv = x[c]; if (xv == 0f) skip the column's entries (beq is false for NaN, as == is).
            var skip = il.DefineLabel();
            il.Emit(OpCodes.Ldarg_0);
            EmitOffset(il, c);
            il.Emit(OpCodes.Ldind_R4);
            il.Emit(OpCodes.Stloc, input);
            il.Emit(OpCodes.Ldloc, input);
            il.Emit(OpCodes.Ldc_R4, 0f);
            il.Emit(OpCodes.Beq, skip);
            for (; k < end && emitted < EntriesPerMethod; k++, emitted++)
            {
                // y[r] = y[r] + w[position] * xv
                il.Emit(OpCodes.Ldarg_2);
                EmitOffset(il, rowIndex[k]);
                il.Emit(OpCodes.Dup);
                il.Emit(OpCodes.Ldind_R4);
                il.Emit(OpCodes.Ldarg_1);
                EmitOffset(il, position[k]);
                il.Emit(OpCodes.Ldind_R4);
                il.Emit(OpCodes.Ldloc, input);
                il.Emit(OpCodes.Mul);
                il.Emit(OpCodes.Add);
                il.Emit(OpCodes.Stind_R4);
            }

            il.MarkLabel(skip);
            if (k == end)
            {
                j++;
                if (j < columns.Length)
                {
                    k = starts[columns[j]];
                }
            }
        }

        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Walk>();
    }

    // pointer + index·4 (the pointer on the stack already); index 0 adds nothing.
    private static void EmitOffset(ILGenerator il, int index)
    {
        if (index != 0)
        {
            il.Emit(OpCodes.Ldc_I4, index * sizeof(float));
            il.Emit(OpCodes.Add);
        }
    }

    /// <summary>
    /// The pattern's compiled code once its per-sample forward has been called often enough (see the remarks), else
    /// null: counts the call, and compiles on the call that reaches the threshold. Thread-safe; a pattern compiles at
    /// most once (a failed compile is remembered as "none").
    /// </summary>
    internal static SparseSampleCode? ForCall(SparsePattern pattern)
    {
        var state = pattern.SampleCodeState;
        if (state is Compiled compiled)
        {
            return compiled.Code;
        }

        if (Interlocked.Increment(ref pattern.SampleForwardCalls) != CallsBeforeCompiling)
        {
            return null;
        }

        SparseSampleCode? code;
        try
        {
            code = Compile(pattern);
        }
        catch (Exception e) when (e is InvalidProgramException or NotSupportedException or PlatformNotSupportedException)
        {
            code = null;
        }

        pattern.SampleCodeState = new Compiled(code);
        return code;
    }

    /// <summary>The result of compiling a pattern (null code: the walk stays).</summary>
    internal sealed record Compiled(SparseSampleCode? Code);
}
