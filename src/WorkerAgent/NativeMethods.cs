using System.Runtime.InteropServices;

namespace TaskScheduler.WorkerAgent;

/// <summary>Signals to a whole process group: .NET can only kill a process (tree) with SIGKILL.</summary>
internal static partial class NativeMethods
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary><c>kill(-pgid, signal)</c>: true if the group existed.</summary>
    public static bool SignalGroup(int processGroup, int signal) => Kill(-processGroup, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
