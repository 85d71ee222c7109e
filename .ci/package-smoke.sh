#!/usr/bin/env bash
# Proves the NuGet package works for a user: pack src/ModelGen into a local folder feed, then build the QuickStart and
# the README's From-code example (and run the latter) in folders outside this repository (no Directory.Build.props, no
# project references) against that package alone. The generator must arrive through the package's analyzers/dotnet/cs
# folder for the builds to succeed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The version comes from Directory.Build.props (the one place it is set) with a suffix unique to this run: NuGet keeps
# every package it restored in its global cache by id and version, so a fixed number would let this check build
# against a package cached by an earlier run instead of the one just packed.
prefix="$(dotnet msbuild "$repo/src/ModelGen/ModelGen.csproj" -getProperty:VersionPrefix)"
version="$prefix-smoke.$(date -u +%Y%m%d%H%M%S).$$"

dotnet pack "$repo/src/ModelGen/ModelGen.csproj" -c Release -o "$work/feed" -p:Version="$version" --nologo -v quiet
python3 - "$work/feed/ModelGen.$version.nupkg" "$repo/docs/diagnostics" <<'PY' || { echo "package-smoke: the package misses the generator, analyzers, code fixes or help pages" >&2; exit 1; }
import os, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
wanted = {"analyzers/dotnet/cs/ModelGen.Generators.dll", "analyzers/dotnet/cs/ModelGen.Analyzers.dll", "analyzers/dotnet/cs/ModelGen.CodeFixes.dll"}
# Every diagnostic's help link is docs/diagnostics/MGxxxx.md relative to the package root: the pages must be there.
wanted |= {"docs/diagnostics/" + page for page in os.listdir(sys.argv[2])}
missing = sorted(wanted - names)
print("\n".join("missing: " + m for m in missing), file=sys.stderr)
sys.exit(1 if missing else 0)
PY

# The user's nuget.config (with the public feed) still applies from the user profile; ours only adds the local feed.
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
</configuration>
XML

# A consumer project of its own per example: the QuickStart (built) and the README's From-code example (built and run).
consumer() {
  mkdir -p "$work/$1"
  cp "$repo/examples/$1"/*.cs "$work/$1/"
  cat > "$work/$1/$1.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <WarningsAsErrors>CS8785;CS8784</WarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelGen" Version="$version" />
  </ItemGroup>
</Project>
XML
  dotnet build "$work/$1/$1.csproj" -c Release --nologo -v quiet
}

consumer QuickStart
consumer FromCode
dotnet run --project "$work/FromCode/FromCode.csproj" -c Release --no-build -- "$repo/examples/data/mnist-10k"
echo "package-smoke: QuickStart builds and the From-code example builds and runs against the packed ModelGen $version"

# The analyzers arrive through the package too: a percentage passed as a sparsity must warn (MG0101) at its argument.
cat > "$work/QuickStart/Unsafe.cs" <<'CS'
namespace QuickStart;

internal static class Unsafe
{
    public static void Prune() => new ModelGen.Pruning.MagnitudePruner().Prune(new Mlp(seed: 0), 90);
}
CS
log="$(dotnet build "$work/QuickStart/QuickStart.csproj" -c Release --nologo -v quiet -p:TreatWarningsAsErrors=false 2>&1 || true)"
grep -q "Unsafe.cs(5,[0-9]*): warning MG0101: Sparsity 90 looks like a percentage" <<<"$log" \
  || { echo "package-smoke: the packed analyzers did not report MG0101; build log:" >&2; echo "$log" >&2; exit 1; }
echo "package-smoke: the packed analyzers report MG0101 on a percentage sparsity"
