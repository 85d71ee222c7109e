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
python3 -c 'import sys, zipfile; sys.exit(0 if "analyzers/dotnet/cs/ModelGen.Generators.dll" in zipfile.ZipFile(sys.argv[1]).namelist() else 1)' "$work/feed/ModelGen.$version.nupkg" \
  || { echo "package-smoke: the package does not carry the generator under analyzers/dotnet/cs" >&2; exit 1; }

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
