using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generators.Tests.Infrastructure;

/// <summary>
/// Walks an object graph (fields, public properties, array and collection items) and reports every object that would
/// keep a compilation alive or defeat caching if it flowed between incremental steps (System.Text.Json's
/// generator test does the same).
/// </summary>
internal static class StepOutputWalker
{
    private static readonly Type[] s_forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel), typeof(Location),
        typeof(AttributeData), typeof(SyntaxReference),
    };

    /// <summary>Forbidden objects reachable from <paramref name="root"/>, each as "path: type".</summary>
    public static IReadOnlyList<string> FindForbidden(object? root, string rootPath, out int visited)
    {
        var found = new List<string>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var count = 0;
        Visit(root, rootPath);
        visited = count;
        return found;

        void Visit(object? value, string path)
        {
            if (value is null)
            {
                return;
            }

            var type = value.GetType();
            if (!type.IsValueType && !seen.Add(value))
            {
                return;
            }

            count++;
            if (IsForbidden(type) || value is SyntaxToken or SyntaxTrivia or SyntaxNodeOrToken)
            {
                found.Add($"{path}: {type.FullName}");
                return;
            }

            if (IsLeaf(type))
            {
                return;
            }

            if (value is IEnumerable items)
            {
                var index = 0;
                foreach (var item in items)
                {
                    Visit(item, $"{path}[{index++}]");
                }
            }

            for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
            {
                foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                    {
                        continue;
                    }

                    Visit(field.GetValue(value), $"{path}.{field.Name}");
                }
            }

            // Public properties too: a computed property that builds a symbol or a location is as much a leak.
            if (type.Assembly == typeof(ModelGenerator).Assembly)
            {
                foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
                {
                    if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract" || property.PropertyType.IsByRefLike)
                    {
                        continue;
                    }

                    Visit(property.GetValue(value), $"{path}.{property.Name}");
                }
            }
        }
    }

    private static bool IsForbidden(Type type) => s_forbidden.Any(forbidden => forbidden.IsAssignableFrom(type));

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || typeof(Type).IsAssignableFrom(type);
}
