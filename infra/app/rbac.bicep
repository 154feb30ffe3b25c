// Every data-plane permission in the deployment, in one place to review. Each principal gets
// only what it uses, on the one resource where it uses it.

@description('Principal id of the function app identity.')
param appPrincipalId string

@description('Principal ids of the worker agents; each may receive and delete messages in the data account and nothing else.')
param agentPrincipalIds string[]

@description('Principal id of the person deploying, for debugging against Azure from a workstation; empty for none.')
param userPrincipalId string

@description('Name of the hub storage account (Functions host, task hub, deployment package, dead letters).')
param hubStorageName string

@description('Name of the data storage account (scheduler tables and task queues).')
param dataStorageName string

@description('Name of the Event Grid topic.')
param topicName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

// Built-in role definitions; their ids are the same in every tenant.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageProcessor: '8a0f0c08-91a1-4084-bc3d-661d67233fed'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The Functions host takes blob leases and the Durable provider uses all three services.
var hubRoles = [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]
var dataRoles = [roles.storageQueueDataContributor, roles.storageTableDataContributor]

// The person deploying may be a user or, in CI, a service principal, and an agent may be
// either too: their principal type is left out rather than guessed.
var userRoles = {
  hub: empty(userPrincipalId) ? [] : hubRoles
  data: empty(userPrincipalId) ? [] : dataRoles
  topic: empty(userPrincipalId) ? [] : [roles.eventGridDataSender]
  // Officer, not User: the deployer rotates the keys, and azd reads them back on re-provision.
  vault: empty(userPrincipalId) ? [] : [roles.keyVaultSecretsOfficer]
  telemetry: empty(userPrincipalId) ? [] : [roles.monitoringMetricsPublisher]
}

var hubGrants = concat(
  map(hubRoles, roleId => { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roleId }),
  map(userRoles.hub, roleId => { principalId: userPrincipalId, roleId: roleId })
)
var dataGrants = concat(
  map(dataRoles, roleId => { principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roleId }),
  map(userRoles.data, roleId => { principalId: userPrincipalId, roleId: roleId }),
  // Receive and delete only: an agent cannot enqueue, read tables, or touch the hub account.
  map(agentPrincipalIds, agentId => { principalId: agentId, roleId: roles.storageQueueDataMessageProcessor })
)
var topicGrants = concat(
  [{ principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.eventGridDataSender }],
  map(userRoles.topic, roleId => { principalId: userPrincipalId, roleId: roleId })
)
var vaultGrants = concat(
  [{ principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.keyVaultSecretsUser }],
  map(userRoles.vault, roleId => { principalId: userPrincipalId, roleId: roleId })
)
var telemetryGrants = concat(
  [{ principalId: appPrincipalId, principalType: 'ServicePrincipal', roleId: roles.monitoringMetricsPublisher }],
  map(userRoles.telemetry, roleId => { principalId: userPrincipalId, roleId: roleId })
)

resource hubStorage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: hubStorageName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: dataStorageName
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' existing = {
  name: topicName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource hubAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in hubGrants: {
    name: guid(hubStorage.id, grant.principalId, grant.roleId)
    scope: hubStorage
    properties: {
      principalId: grant.principalId
      principalType: grant.?principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.roleId)
    }
  }
]

resource dataAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in dataGrants: {
    name: guid(dataStorage.id, grant.principalId, grant.roleId)
    scope: dataStorage
    properties: {
      principalId: grant.principalId
      principalType: grant.?principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.roleId)
    }
  }
]

resource topicAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in topicGrants: {
    name: guid(topic.id, grant.principalId, grant.roleId)
    scope: topic
    properties: {
      principalId: grant.principalId
      principalType: grant.?principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.roleId)
    }
  }
]

resource vaultAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in vaultGrants: {
    name: guid(vault.id, grant.principalId, grant.roleId)
    scope: vault
    properties: {
      principalId: grant.principalId
      principalType: grant.?principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.roleId)
    }
  }
]

resource telemetryAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for grant in telemetryGrants: {
    name: guid(applicationInsights.id, grant.principalId, grant.roleId)
    scope: applicationInsights
    properties: {
      principalId: grant.principalId
      principalType: grant.?principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.roleId)
    }
  }
]
