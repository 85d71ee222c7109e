using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers;

/// <summary>
/// A pruner or options object whose settings the build knows: created inline (<c>new SnipPruner(d) { … }.Prune(…)</c>),
/// or held in a local whose only assignment is its declaration's object creation. Any other receiver (a field, a
/// parameter, a reassigned local) is unknown and gets no diagnostic.
/// </summary>
internal sealed class KnownCreation
{
    private readonly Dictionary<string, ISimpleAssignmentOperation> _initializers;

    private KnownCreation(IObjectCreationOperation creation, Dictionary<string, ISimpleAssignmentOperation> initializers)
    {
        Creation = creation;
        _initializers = initializers;
    }

    public IObjectCreationOperation Creation { get; }

    public ITypeSymbol? Type => Creation.Type;

    /// <summary>
    /// The initializer of <paramref name="property"/>: absent (<paramref name="assignment"/> null, the type's default
    /// applies), constant (<paramref name="value"/> set) or not constant (false: the setting is unknown).
    /// </summary>
    public bool TryGetSetting(string property, out object? value, out ISimpleAssignmentOperation? assignment)
    {
        value = null;
        if (!_initializers.TryGetValue(property, out assignment))
        {
            return true;
        }

        // A constant assigned to a nullable property (double? OutputLayerPruneRate) sits under a non-constant conversion.
        var constant = assignment.Value is IConversionOperation { ConstantValue.HasValue: false, Type.OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } lifted
            ? lifted.Operand.ConstantValue
            : assignment.Value.ConstantValue;
        if (!constant.HasValue)
        {
            return false;
        }

        value = constant.Value;
        return true;
    }

    /// <summary>A numeric setting as a double (an int constant assigned to a double? property stays an int until here).</summary>
    public static double? AsDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        _ => null,
    };

    /// <summary>The known creation behind <paramref name="expression"/>, or null.</summary>
    public static KnownCreation? Resolve(IOperation? expression, CancellationToken cancellationToken)
    {
        expression = Unwrap(expression);
        if (expression is IObjectCreationOperation creation)
        {
            return From(creation);
        }

        if (expression is not ILocalReferenceOperation { Local: { } local } reference || local.IsRef || reference.SemanticModel is not { } semanticModel)
        {
            return null;
        }

        if (local.DeclaringSyntaxReferences.Length != 1 ||
            local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator ||
            declarator.SyntaxTree != semanticModel.SyntaxTree)
        {
            return null;
        }

        if (Unwrap(semanticModel.GetOperation(initializer, cancellationToken)) is not IObjectCreationOperation declared ||
            IsWrittenAfterDeclaration(local, declarator, semanticModel, cancellationToken))
        {
            return null;
        }

        return From(declared);
    }

    /// <summary>The operand under implicit or explicit conversions and parentheses.</summary>
    public static IOperation? Unwrap(IOperation? operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                default:
                    return operation;
            }
        }
    }

    private static KnownCreation From(IObjectCreationOperation creation)
    {
        var initializers = new Dictionary<string, ISimpleAssignmentOperation>();
        if (creation.Initializer is { } initializer)
        {
            foreach (var member in initializer.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment)
                {
                    initializers[property.Property.Name] = assignment;
                }
            }
        }

        return new KnownCreation(creation, initializers);
    }

    /// <summary>Whether the local is assigned anywhere besides its declaration (plain, compound, ref or out).</summary>
    private static bool IsWrittenAfterDeclaration(ILocalSymbol local, VariableDeclaratorSyntax declarator, SemanticModel semanticModel, CancellationToken cancellationToken)
    {
        SyntaxNode scope = declarator;
        while (scope.Parent is { } parent && scope is not (BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or GlobalStatementSyntax))
        {
            scope = parent;
        }

        // Top-level statements: the local may be written in any global statement of the file.
        if (scope is GlobalStatementSyntax && scope.Parent is { } unit)
        {
            scope = unit;
        }

        foreach (var node in scope.DescendantNodes())
        {
            if (node is not IdentifierNameSyntax identifier || identifier.Identifier.ValueText != local.Name)
            {
                continue;
            }

            var written = identifier.Parent switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left == identifier,
                ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
                RefExpressionSyntax => true,
                _ => false,
            };
            if (written && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                return true;
            }
        }

        return false;
    }
}
