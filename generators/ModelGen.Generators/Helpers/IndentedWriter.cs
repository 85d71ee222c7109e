using System;
using System.Globalization;
using System.Text;

namespace ModelGen.Generators.Helpers;

/// <summary>A small line writer with indentation over a StringBuilder (what STJ and the Regex generator use).</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
        }

        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes a line formatted with the invariant culture (numbers never pick up a local minus sign).</summary>
    public IndentedWriter Line(FormattableString text) => Line(text.ToString(CultureInfo.InvariantCulture));

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, then indents.</summary>
    public IndentedWriter Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
        return this;
    }

    public IndentedWriter Close(string text = "}")
    {
        _indent--;
        Line(text);
        return this;
    }

    public override string ToString() => _builder.ToString();
}
