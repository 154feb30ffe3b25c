targetScope = 'subscription'

import { webhookEndpoint } from 'app/eventgrid.bicep'

@minLength(1)
@maxLength(64)
@description('azd environment name; it names the resource group and seeds every resource name.')
param environmentName string

// The regions that offer Flex Consumption with .NET 10 isolated, as the azd Flex quickstart
// (Azure-Samples/functions-quickstart-dotnet-azd) lists them; `az functionapp list-flexconsumption-locations`
// prints the current list when a region is added.
@minLength(1)
@description('Region for every resource. It must offer the Flex Consumption plan.')
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person deploying, granted the same data roles as the app to debug against Azure; empty for none.')
param principalId string = ''

@description('Webhooks that receive task events, as { name, url } objects.')
param webhookEndpoints webhookEndpoint[] = []

@description('Object ids of the worker agents\' identities; each may only receive and delete task queue messages.')
param agentPrincipalIds string[] = []

@description('Issuer of externally issued JWTs (Auth:Jwt:Authority); empty when the app only trusts its own tokens.')
param jwtAuthority string = ''

@description('Audience expected in JWTs (Auth:Jwt:Audience); empty for the app default.')
param jwtAudience string = ''

@secure()
@description('Current bootstrap admin key, passed back so that re-provisioning keeps it (azd reads it from Key Vault). Shorter than 32 characters or empty: a new key is generated.')
param bootstrapAdminKey string = ''

@secure()
@description('Current JWT signing key, kept the same way as bootstrapAdminKey.')
param jwtSigningKey string = ''

// newGuid() may only be a parameter default, so the fresh values are parameters too.
@secure()
@description('Source of a new bootstrap admin key. Leave the default.')
param newBootstrapAdminKey string = '${newGuid()}${newGuid()}'

@secure()
@description('Source of a new JWT signing key. Leave the default.')
param newJwtSigningKey string = '${newGuid()}${newGuid()}'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var deploymentContainerName = 'app-package'
var deadLetterContainerName = 'events-deadletter'
// HMAC-SHA256 needs a key of at least 256 bits; anything shorter is treated as "not given".
var minimumKeyLength = 32

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module dataStorage 'app/storage.bicep' = {
  name: 'storage-data'
  scope: rg
  params: {
    name: 'stdata${resourceToken}'
    location: location
    tags: tags
    queueNames: ['tasks-high', 'tasks-normal', 'tasks-low', 'events-outbox']
  }
}

module hubStorage 'app/storage.bicep' = {
  name: 'storage-hub'
  scope: rg
  params: {
    name: 'sthub${resourceToken}'
    location: location
    tags: tags
    containerNames: [deploymentContainerName, deadLetterContainerName]
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    bootstrapAdminKey: length(bootstrapAdminKey) >= minimumKeyLength ? bootstrapAdminKey : newBootstrapAdminKey
    jwtSigningKey: length(jwtSigningKey) >= minimumKeyLength ? jwtSigningKey : newJwtSigningKey
  }
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    webhookEndpoints: webhookEndpoints
    identityId: identity.outputs.id
    deadLetterStorageAccountId: hubStorage.outputs.id
    deadLetterContainerName: deadLetterContainerName
  }
}

// After its grants: the first start resolves the Key Vault references and opens storage, Event Grid and Application
// Insights with the identity, and a start that races the role assignments fails (or, worse, runs without its keys).
module api 'app/function-app.bicep' = {
  name: 'api'
  scope: rg
  dependsOn: [rbac]
  params: {
    name: 'func-api-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hubBlobEndpoint: hubStorage.outputs.blobEndpoint
    hubQueueEndpoint: hubStorage.outputs.queueEndpoint
    hubTableEndpoint: hubStorage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    dataTableEndpoint: dataStorage.outputs.tableEndpoint
    dataQueueEndpoint: dataStorage.outputs.queueEndpoint
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    taskHubName: 'TaskScheduler'
    eventsTopicEndpoint: eventGrid.outputs.endpoint
    bootstrapAdminKeyUri: keyVault.outputs.bootstrapAdminKeyUri
    jwtSigningKeyUri: keyVault.outputs.jwtSigningKeyUri
    jwtAuthority: jwtAuthority
    jwtAudience: jwtAudience
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    agentPrincipalIds: agentPrincipalIds
    userPrincipalId: principalId
    hubStorageName: hubStorage.outputs.name
    dataStorageName: dataStorage.outputs.name
    topicName: eventGrid.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_STORAGE_DATA_ACCOUNT string = dataStorage.outputs.name
output AZURE_STORAGE_QUEUE_URI string = dataStorage.outputs.queueEndpoint
output AZURE_EVENTGRID_TOPIC_ENDPOINT string = eventGrid.outputs.endpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
