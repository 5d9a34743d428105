namespace Gadugi.BuildExec.Testing;

/// <summary>
/// The nuget.config of a throw-away project that consumes the freshly packed package: the local feed
/// first, nuget.org (or this machine's copy of it) for the rest, and the user's package folder as a
/// fallback so restores need no download. Shared by the MSBuild end-to-end tests and the benchmark
/// (linked into it as a source file).
/// </summary>
public static class LocalFeedNuGetConfig
{
    public static string For(string feed)
    {
        var shared = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var fallback = Directory.Exists(shared) ? $"""<fallbackPackageFolders><add key="shared" value="{shared}" /></fallbackPackageFolders>""" : string.Empty;
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              {fallback}
            </configuration>
            """;
    }
}
