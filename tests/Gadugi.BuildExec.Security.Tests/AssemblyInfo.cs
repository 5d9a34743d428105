// Classes run in parallel (each runtime's groups are independent); methods of a class share one probe run.
[assembly: Parallelize(Workers = 0, Scope = ExecutionScope.ClassLevel)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
