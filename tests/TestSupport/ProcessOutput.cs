using System.Collections.Concurrent;
using System.Diagnostics;

namespace TaskScheduler.TestSupport;

/// <summary>
/// What child processes printed on stdout and stderr, line by line (the last 20,000 kept), for assertions and
/// failure messages. One instance may follow a process and the one that replaces it after a restart.
/// </summary>
public sealed class ProcessOutput
{
    private const int MaxLines = 20_000;

    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Everything kept, oldest first.</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>Starts reading both streams of <paramref name="process"/> (started with them redirected).</summary>
    public void Follow(Process process)
    {
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The last <paramref name="count"/> lines, one per line, for a failure message.</summary>
    public string Recent(int count) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > MaxLines && _lines.TryDequeue(out _))
        {
        }
    }
}
