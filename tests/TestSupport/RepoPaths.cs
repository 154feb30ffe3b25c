namespace TaskScheduler.TestSupport;

/// <summary>Finds the repository and the build outputs of the hosts the tests start.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: whatever the tests themselves were built as.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>
    /// A host's build output: <c>src/{project}/bin/...</c>, or <c>{TASKSCHEDULER_BUILD_OUTPUT}/{project}/</c> when set (the
    /// benchmarks run private copies, so a rebuild during a run cannot switch binaries half-way).
    /// </summary>
    public static string Output(string project, string assembly) =>
        Environment.GetEnvironmentVariable("TASKSCHEDULER_BUILD_OUTPUT") is { Length: > 0 } copies
            ? Path.Combine(copies, project, assembly)
            : Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TaskScheduler.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TaskScheduler.sln not found above " + AppContext.BaseDirectory);
    }
}
