using Azure.Core;
using Azure.Identity;

namespace TaskScheduler.ServiceDefaults;

/// <summary>
/// The one way the app picks a token credential (storage, Event Grid, Azure Monitor). In Azure the app runs under a
/// user-assigned identity, which <see cref="DefaultAzureCredential"/> cannot find without its client id: every
/// identity-based setting therefore names the client id (<c>SchedulerStorage__clientId</c>, <c>Events__ClientId</c>,
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>'s <c>ClientId</c>), and with one the managed identity is asked
/// directly. Without one (a workstation) <see cref="DefaultAzureCredential"/> finds the developer's login.
/// </summary>
public static class AzureCredentials
{
    public static TokenCredential ForClientId(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
}
