// Holds the two secrets the API cannot do without: the bootstrap admin API key and the
// JWT signing key. The function app reads them through Key Vault references, so neither
// ever appears in an app setting, a deployment output or the deployment history.

@description('Key Vault name: 3-24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags for the vault.')
param tags object

@secure()
@description('Value of the bootstrap-admin-key secret.')
param bootstrapAdminKey string

@secure()
@description('Value of the jwt-signing-key secret.')
param jwtSigningKey string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access is granted by role assignment (rbac.bicep), never by access policy.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }

  resource bootstrapAdminKeySecret 'secrets' = {
    name: 'bootstrap-admin-key'
    properties: {
      value: bootstrapAdminKey
      contentType: 'text/plain'
    }
  }

  resource jwtSigningKeySecret 'secrets' = {
    name: 'jwt-signing-key'
    properties: {
      value: jwtSigningKey
      contentType: 'text/plain'
    }
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
// Versionless URIs, so the app follows the latest version and rotation needs no redeployment.
// The trailing slash is the documented versionless form of a Key Vault reference.
output bootstrapAdminKeyUri string = '${vault.properties.vaultUri}secrets/${vault::bootstrapAdminKeySecret.name}/'
output jwtSigningKeyUri string = '${vault.properties.vaultUri}secrets/${vault::jwtSigningKeySecret.name}/'
