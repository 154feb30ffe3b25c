using System.Globalization;
using TaskScheduler.AgentProtocol;

namespace TaskScheduler.WorkerAgent;

/// <summary>CPU (since the last sample), memory and disk usage of this machine, read from /proc and statvfs.</summary>
public sealed class ResourceSampler(string diskPath)
{
    private (long Busy, long Total)? _last;

    public WorkerResources Sample() => new(Cpu(), Memory(), Disk());

    private double Cpu()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            var total = fields.Sum();
            var previous = _last;
            _last = (total - idle, total);
            return previous is { } p && total > p.Total
                ? Math.Clamp((double)(total - idle - p.Busy) / (total - p.Total), 0, 1)
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static double Memory()
    {
        try
        {
            var info = File.ReadLines("/proc/meminfo")
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
            return info.TryGetValue("MemTotal", out var total) && info.TryGetValue("MemAvailable", out var available) && total > 0
                ? Math.Clamp(1 - ((double)available / total), 0, 1)
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private double Disk()
    {
        var drive = new DriveInfo(Directory.Exists(diskPath) ? diskPath : Path.GetTempPath());
        return drive.TotalSize > 0 ? Math.Clamp(1 - ((double)drive.AvailableFreeSpace / drive.TotalSize), 0, 1) : 0;
    }
}
