# Secrets this topology makes for itself on its first `up`: one file per secret under run/secrets/ (mode 600, in a
# folder of mode 700), and the environment variables that hand them to a service. A secret never goes on a command
# line: any local user reads those in /proc/PID/cmdline, while a process's environment is its owner's alone.

Set-StrictMode -Version Latest

# The signing key's id: a name, not a secret, so it stays on command lines and out of the secrets folder (the
# test that searches command lines for every value found there would find 'deploy' in 'deploy.ps1').
$script:SigningKeyId = 'deploy'

# File name (under run/secrets/) → how long a fresh one is, in random bytes written as hex; 0: not made here.
$script:SecretFiles = [ordered]@{
    'signing-key' = 32
    'origin-admin-token' = 24
    'origin-edge-credential' = 24
    'control-plane-master-key' = 32
    'control-plane-admin-key' = 24
    'tenant-api-key' = 0 # answered by the origin when up creates the demo tenant
    # PostgreSQL's SCRAM passwords (Database.psm1): Patroni's superuser and replication users, the origin's two roles.
    'postgres-superuser-password' = 24
    'postgres-replication-password' = 24
    'origin-db-owner-password' = 24
    'origin-db-app-password' = 24
}

function Get-SecretsDir($Topology) { Join-Path $Topology.RunDir 'secrets' }

function Get-Secrets {
    <# Every secret of this topology, made on first use; TenantApiKey is empty until up has created the tenant. #>
    param($Topology)
    if ($Topology.Secrets) { return $Topology.Secrets }
    $folder = Get-SecretsDir $Topology
    if (-not (Test-Path $folder)) {
        New-Item -ItemType Directory -Force -Path $folder | Out-Null
        if ($IsLinux) { chmod 700 $folder }
    }
    Move-LegacySecrets $Topology
    foreach ($name in $script:SecretFiles.Keys) {
        $bytes = $script:SecretFiles[$name]
        if ($bytes -gt 0 -and -not (Test-Path (Join-Path $folder $name))) { Save-Secret $Topology $name (New-RandomHex $bytes) }
    }
    $read = { param($name) $file = Join-Path $folder $name; if (Test-Path $file) { (Get-Content $file -Raw).Trim() } else { '' } }
    $Topology.Secrets = [pscustomobject]@{
        SigningKeyId = $script:SigningKeyId
        SigningKey = & $read 'signing-key'
        OriginAdminToken = & $read 'origin-admin-token'
        OriginEdgeCredential = & $read 'origin-edge-credential'
        ControlPlaneMasterKey = & $read 'control-plane-master-key'
        ControlPlaneAdminKey = & $read 'control-plane-admin-key'
        TenantApiKey = & $read 'tenant-api-key'
    }
    return $Topology.Secrets
}

function Save-Secret {
    <# Writes one secret to its own file, readable by this user alone from its first byte on. #>
    param($Topology, [string] $Name, [string] $Value)
    $file = Join-Path (Get-SecretsDir $Topology) $Name
    # Created empty and narrowed before the value goes in, so the secret is never in a file others may read.
    [IO.File]::WriteAllText($file, '')
    if ($IsLinux) { chmod 600 $file }
    [IO.File]::WriteAllText($file, $Value)
    $Topology.Secrets = $null
}

function Move-LegacySecrets {
    <# A run folder from before run/secrets/ kept every secret in one secrets.json: moved into files, then removed. #>
    param($Topology)
    $legacy = Join-Path $Topology.RunDir 'secrets.json'
    if (-not (Test-Path $legacy)) { return }
    $old = Get-Content $legacy -Raw | ConvertFrom-Json
    $map = @{
        'signing-key' = $old.SigningKey; 'origin-admin-token' = $old.OriginAdminToken
        'origin-edge-credential' = $old.OriginEdgeCredential; 'control-plane-master-key' = $old.ControlPlaneMasterKey
        'control-plane-admin-key' = $old.ControlPlaneAdminKey; 'tenant-api-key' = $old.TenantApiKey
    }
    foreach ($name in $map.Keys) { if ($map[$name]) { Save-Secret $Topology $name $map[$name] } }
    Remove-Item -Force $legacy
}

function Get-SecretEnvironment {
    <#
        The secrets one kind of service needs, as the environment variables ASP.NET Core's configuration reads
        (`Section__Key`), to be handed to that process alone at its start.
    #>
    param($Topology, [string] $Kind)
    $s = Get-Secrets $Topology
    switch ($Kind) {
        'edge' {
            return @{
                "Signing__Keys__$($s.SigningKeyId)" = $s.SigningKey
                'Origin__Credential' = $s.OriginEdgeCredential
                'ControlPlane__MasterKey' = $s.ControlPlaneMasterKey
            }
        }
        'origin' {
            # The database connection strings, which carry passwords, are added by Start-Dotnet (Database.psm1).
            return @{
                'Origin__EdgeCredentials__edges' = $s.OriginEdgeCredential
                'Origin__AdminToken' = $s.OriginAdminToken
            }
        }
        'control-plane' {
            return @{
                'Secrets__MasterKey' = $s.ControlPlaneMasterKey
                'Admin__BootstrapKey' = $s.ControlPlaneAdminKey
            }
        }
        default { return @{} }
    }
}

function New-RandomHex([int] $Bytes) {
    [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes($Bytes)).ToLowerInvariant()
}

Export-ModuleMember -Function Get-Secrets, Save-Secret, Get-SecretEnvironment
