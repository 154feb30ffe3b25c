using System.Globalization;
using System.Runtime.InteropServices;

namespace TaskScheduler.Supervisor;

/// <summary>Signals to a whole process group, and whether one still has a live member: .NET knows neither.</summary>
public static partial class NativeMethods
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary><c>kill(-pgid, signal)</c>: true if the group existed.</summary>
    public static bool SignalGroup(int processGroup, int signal) => Kill(-processGroup, signal) == 0;

    /// <summary>
    /// True while any process of the group is alive. <c>kill(-pgid, 0)</c> answers quickly when the group is gone,
    /// but also succeeds for a group of zombies (killed children that init has not reaped yet, forever under a PID 1
    /// that never reaps), so a "yes" is checked against <c>/proc</c>: a zombie runs no code.
    /// </summary>
    public static bool GroupIsAlive(int processGroup)
    {
        if (Kill(-processGroup, 0) != 0)
        {
            return false;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                // The process ended while we looked: it is not alive.
                continue;
            }

            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 4);
            if (fields.Length >= 3
                && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var group) && group == processGroup
                && fields[0] is not ("Z" or "X"))
            {
                return true;
            }
        }

        return false;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
