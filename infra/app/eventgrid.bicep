// The topic the API publishes task lifecycle events to, and one push subscription per
// webhook. Events that cannot be delivered within a day land in the hub account's
// events-deadletter container instead of being dropped.

@export()
@description('A webhook that receives every task event as a CloudEvent 1.0.')
type webhookEndpoint = {
  @description('Event subscription name: 3-64 letters, digits and hyphens, unique per topic.')
  @minLength(3)
  @maxLength(64)
  name: string

  // Secure because webhook URLs often carry their own access key in the query string.
  @secure()
  @description('HTTPS URL. It must answer the CloudEvents abuse-protection handshake (an OPTIONS request with WebHook-Request-Origin) or the deployment fails.')
  url: string
}

@description('Topic name.')
param name string

@description('Azure region of the topic.')
param location string

@description('Tags for the topic.')
param tags object

@description('Webhooks to subscribe to the topic.')
param webhookEndpoints webhookEndpoint[]

@description('Resource id of the user-assigned identity the topic writes dead letters with.')
param identityId string

@description('Resource id of the storage account that holds the dead-letter container.')
param deadLetterStorageAccountId string

@description('Blob container for events that could not be delivered.')
param deadLetterContainerName string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    // Publishers authenticate with Entra ID (EventGrid Data Sender); the topic has no usable keys.
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource subscriptions 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = [
  for endpoint in webhookEndpoints: {
    parent: topic
    name: endpoint.name
    properties: {
      eventDeliverySchema: 'CloudEventSchemaV1_0'
      destination: {
        endpointType: 'WebHook'
        properties: {
          endpointUrl: endpoint.url
        }
      }
      retryPolicy: {
        maxDeliveryAttempts: 30
        eventTimeToLiveInMinutes: 1440
      }
      // Written with the topic's identity, because the hub account accepts no shared keys.
      deadLetterWithResourceIdentity: {
        identity: {
          type: 'UserAssigned'
          userAssignedIdentity: identityId
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: deadLetterStorageAccountId
            blobContainerName: deadLetterContainerName
          }
        }
      }
    }
  }
]

output name string = topic.name
output endpoint string = topic.properties.endpoint
