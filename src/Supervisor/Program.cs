using TaskScheduler.Supervisor;

// `supervise <process-group-file> <lease-milliseconds> <command>`, the same arguments the agent's own binary takes in
// supervise mode: see CommandSupervisor.
return await CommandSupervisor.RunAsync(args is [CommandSupervisor.Mode, .. var supervised] ? supervised : []);
