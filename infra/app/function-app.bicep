// The API: a .NET isolated function app on the Flex Consumption plan. Every connection it
// makes (storage, Event Grid, Key Vault, Application Insights) uses the user-assigned
// identity; no app setting holds a key.

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags for the plan and the app.')
param tags object

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob endpoint of the hub account (host storage, task hub, deployment package).')
param hubBlobEndpoint string

@description('Queue endpoint of the hub account.')
param hubQueueEndpoint string

@description('Table endpoint of the hub account.')
param hubTableEndpoint string

@description('Hub account container that azd deploys the app package to.')
param deploymentContainerName string

@description('Table endpoint of the data account.')
param dataTableEndpoint string

@description('Queue endpoint of the data account.')
param dataQueueEndpoint string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Durable Functions task hub name.')
param taskHubName string

@description('Endpoint of the Event Grid topic the app publishes task events to.')
param eventsTopicEndpoint string

@description('Versionless Key Vault URI of the bootstrap admin key secret.')
param bootstrapAdminKeyUri string

@description('Versionless Key Vault URI of the JWT signing key secret.')
param jwtSigningKeyUri string

@description('Issuer of externally issued JWTs; empty when the app only trusts its own tokens.')
param jwtAuthority string

@description('Audience expected in JWTs; empty for the app default.')
param jwtAudience string

@description('NCRONTAB schedule (with seconds) of the lost-worker sweep. Each firing wakes an instance: a slower sweep lets an idle app scale in, and detects a lost worker later.')
param sweepLostWorkersSchedule string = '*/10 * * * * *'

@description('NCRONTAB schedule of the reconciliation sweep.')
param reconcileTasksSchedule string = '0 * * * * *'

@description('NCRONTAB schedule of the Durable history purge.')
param purgeHistorySchedule string = '30 * * * * *'

@description('Upper bound on instances; it also bounds the load the API can put on storage.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var appSettings = {
  // Functions host and Durable task hub: the hub account.
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: hubBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: hubQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: hubTableEndpoint
  TaskHubName: taskHubName
  // No anonymous host homepage at /: every answer the app gives comes from its own functions.
  AzureWebJobsDisableHomepage: 'true'

  // The scheduler's own tables and queues: the data account.
  SchedulerStorage__credential: 'managedidentity'
  SchedulerStorage__clientId: identityClientId
  SchedulerStorage__tableServiceUri: dataTableEndpoint
  SchedulerStorage__queueServiceUri: dataQueueEndpoint

  // Resolved by the host in the trigger attributes (%name%); the app checks at start that the queue is the one its
  // producers write (no Scheduler__StoragePrefix here, so the plain name).
  EventsOutboxQueue: 'events-outbox'
  SweepLostWorkersSchedule: sweepLostWorkersSchedule
  ReconcileTasksSchedule: reconcileTasksSchedule
  PurgeHistorySchedule: purgeHistorySchedule

  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // Identity-based: the topic is reached with the user-assigned identity, named by its client id.
  Events__TopicEndpoint: eventsTopicEndpoint
  Events__ClientId: identityClientId

  // Resolved by the platform with keyVaultReferenceIdentity, before the worker starts.
  Auth__BootstrapAdminKey: '@Microsoft.KeyVault(SecretUri=${bootstrapAdminKeyUri})'
  Auth__Jwt__SigningKey: '@Microsoft.KeyVault(SecretUri=${jwtSigningKeyUri})'
  Auth__Jwt__Authority: jwtAuthority
  Auth__Jwt__Audience: jwtAudience
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hubBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
    siteConfig: {
      appSettings: [for setting in items(appSettings): { name: setting.key, value: setting.value }]
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
