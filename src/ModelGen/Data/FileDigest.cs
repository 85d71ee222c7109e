using System;
using System.IO;
using System.Security.Cryptography;

namespace ModelGen.Data;

/// <summary>Content digests of data files, so results can name exactly which data they came from.</summary>
public static class FileDigest
{
    /// <summary>The SHA-256 of the file's bytes (as stored, i.e. of the compressed file for a <c>.gz</c>), lowercase hex.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string Sha256(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
