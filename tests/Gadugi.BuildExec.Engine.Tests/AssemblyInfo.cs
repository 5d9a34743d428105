[assembly: Parallelize(Workers = 0, Scope = ExecutionScope.ClassLevel)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
