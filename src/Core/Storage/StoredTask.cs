using Azure;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Storage;

/// <summary>A task as read, with the ETag any write of it must present.</summary>
public sealed record StoredTask(TaskItem Item, ETag ETag);
