using Azure.Identity;
using TaskScheduler.ServiceDefaults;
using Xunit;

namespace TaskScheduler.Core.Tests.Telemetry;

/// <summary>Application Insights in Azure refuses unauthenticated telemetry: the exporter gets the identity the setting names.</summary>
public class AzureMonitorCredentialTests
{
    [Fact]
    public void The_authentication_string_of_function_app_bicep_gives_that_managed_identity()
    {
        Assert.IsType<ManagedIdentityCredential>(
            TelemetryServiceCollectionExtensions.AzureMonitorCredential("ClientId=00000000-0000-0000-0000-000000000001;Authorization=AAD"));
    }

    [Fact]
    public void No_authentication_string_means_the_connection_string_alone()
    {
        Assert.Null(TelemetryServiceCollectionExtensions.AzureMonitorCredential(""));
        Assert.Null(TelemetryServiceCollectionExtensions.AzureMonitorCredential(null));
    }

    [Fact]
    public void An_authentication_string_without_AAD_fails_instead_of_sending_unauthenticated()
    {
        Assert.Throws<InvalidOperationException>(() => TelemetryServiceCollectionExtensions.AzureMonitorCredential("ClientId=abc"));
    }
}
