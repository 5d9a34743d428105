// Unit and targets tests run in parallel by class; the end-to-end classes opt out ([DoNotParallelize]).
[assembly: Parallelize(Workers = 0, Scope = ExecutionScope.ClassLevel)]
