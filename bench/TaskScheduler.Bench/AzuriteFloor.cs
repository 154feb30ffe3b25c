using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.Bench;

/// <summary>
/// What Azurite serves per second for one kind of call at one <paramref name="Size"/>: the table's rows for table
/// calls, the messages stored in the emulator's queues (all queues, all accounts) for queue calls.
/// </summary>
public sealed record FloorFigure(string Operation, int Size, int Calls, double Seconds, double PerSecond);

/// <summary>
/// The emulator's own ceiling, without the scheduler: for tables of growing size, how many point inserts, point
/// reads and single-partition queries (the engine reads an instance's history and status this way) Azurite answers
/// per second from <see cref="BenchOptions.Submitters"/> concurrent callers. A task's life needs a known
/// number of each (the transactions table), so these figures bound what any code can get out of this machine.
/// <para>
/// Then the same for queues with a backlog of 0, 1,000 and 5,000 messages parked in another queue (tasks waiting for
/// an agent): a receive from an empty queue (an idle poll: the engine's and the agents'), and a full message cycle
/// (put, receive, delete: one dispatch). Azurite keeps every queue's messages in one LokiJS collection with four
/// binary indices, and each receive and delete first removes expired messages, which flags those indices dirty and
/// rebuilds them, so each such call costs a sort of every stored message, wherever it is queued.
/// </para>
/// </summary>
public sealed class AzuriteFloor(BenchOptions options, ILogger logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(8);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var service = new TableServiceClient(options.Storage);
        var figures = new List<FloorFigure>();
        var inserted = 0;
        foreach (var size in new[] { 0, 2_000, 10_000 })
        {
            var table = service.GetTableClient($"{options.Prefix}floor{size}");
            await table.CreateIfNotExistsAsync(cancellationToken);
            for (var from = 0; from < size; from += 100)
            {
                // One partition per 100 rows, as the engine's History holds one partition per instance.
                await table.SubmitTransactionAsync(Enumerable.Range(from, Math.Min(100, size - from)).Select(i =>
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity($"p{from / 100}", $"r{i}") { ["Payload"] = new string('x', 200) })), cancellationToken);
            }

            var partitions = Math.Max(1, size / 100);
            figures.Add(await MeasureAsync("point insert", size, i => table.AddEntityAsync(new TableEntity("insert", $"{Interlocked.Increment(ref inserted)}") { ["Payload"] = new string('x', 200) }, cancellationToken), cancellationToken));
            figures.Add(await MeasureAsync("point read", size, i => table.GetEntityIfExistsAsync<TableEntity>($"p{i % partitions}", $"r{(i % partitions) * 100}", cancellationToken: cancellationToken), cancellationToken));
            figures.Add(await MeasureAsync("query one partition", size, async i =>
            {
                await foreach (var _ in table.QueryAsync<TableEntity>($"PartitionKey eq 'p{i % partitions}'", cancellationToken: cancellationToken))
                {
                }
            }, cancellationToken));
        }

        var queues = new QueueServiceClient(options.Storage);
        var backlog = queues.GetQueueClient($"{options.Prefix}floor-backlog");
        var empty = queues.GetQueueClient($"{options.Prefix}floor-empty");
        var cycle = queues.GetQueueClient($"{options.Prefix}floor-cycle");
        foreach (var queue in new[] { backlog, empty, cycle })
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        var parked = 0;
        foreach (var size in new[] { 0, 1_000, 5_000 })
        {
            for (; parked < size; parked += options.Submitters)
            {
                await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(_ => backlog.SendMessageAsync(new string('x', 200), cancellationToken)));
            }

            figures.Add(await MeasureAsync("queue receive, empty queue", parked, _ => empty.ReceiveMessageAsync(cancellationToken: cancellationToken), cancellationToken));
            figures.Add(await MeasureAsync("queue put + receive + delete", parked, async _ =>
            {
                await cycle.SendMessageAsync("m", cancellationToken);
                var message = (await cycle.ReceiveMessageAsync(cancellationToken: cancellationToken)).Value;
                if (message is not null)
                {
                    await cycle.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                }
            }, cancellationToken));
        }

        await Results.WriteAsync(options, options.Label + ".json", figures);
        foreach (var figure in figures)
        {
            logger.LogInformation("{Operation} at size {Rows}: {Rate:F0}/s", figure.Operation, figure.Size, figure.PerSecond);
        }
    }

    private async Task<FloorFigure> MeasureAsync(string operation, int rows, Func<int, Task> call, CancellationToken cancellationToken)
    {
        var calls = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Submitters).Select(async _ =>
        {
            while (clock.Elapsed < Window)
            {
                await call(Interlocked.Increment(ref calls));
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        return new FloorFigure(operation, rows, calls, seconds, calls / seconds);
    }
}
