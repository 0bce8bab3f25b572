# The stores as the topology runs them: etcd and each region's Redis over TLS alone, with authentication.
#   etcd   clients and peers over TLS with client certificates of the deployment CA required (--client-cert-auth,
#          --peer-client-cert-auth); RBAC on, each service an etcd user named by its certificate's common name:
#          control-plane (the whole prefix), edge.{pop}.{edge} (reads configuration, writes its own registration and
#          its region's cache generation), root for bootstrap alone (by password, through the JSON gateway, from here).
#   Redis  TLS only (port 0, tls-port), the default user off, one ACL user per region (edge-{region}) reaching the
#          edge's keys alone, and an admin user for operators and health probes. Its configuration file (mode 600)
#          carries only SHA-256 hashes of the passwords (a cluster node's also the admin password its replication
#          logs in with). With `up -RedisCluster` a region's L2 is a Redis Cluster of six such nodes, three primaries
#          and a replica each, TLS on the cluster bus and for replication too.
# Passwords live one file each under run/secrets/ (Secrets.psm1); certificates under run/pki/ (Certificates.psm1).
# The roles mirror EdgeImages.Etcd.Security.EtcdRoles, which the C# tests hold to; keep the two in step.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Certificates.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')

# The control plane's Etcd:Prefix and the edges' ControlPlane:Prefix (both their defaults).
$script:EtcdPrefix = '/edgeimages/'

# What a region's Redis user may do: the L2 tier's keys (edge:*) and the regional quotas' (rl:tb:{edge:*), no
# channel, every command but the dangerous ones (KEYS, FLUSHALL, CONFIG, DEBUG, MONITOR, ACL…) except INFO, which the
# client reads the server's version from. tests/EdgeImages.Testing/RedisServer.cs holds the same rules.
$script:RedisRegionRules = '~edge:* ~rl:tb:{edge:* resetchannels +@all -@dangerous +info'

#region Certificates and secrets

function Get-StoreCa($Topology) { New-DeploymentCa -Directory (Get-PkiDir $Topology) }

function Get-StoreCertificate {
    <# The certificate $Name under run/pki/$Folder, issued once (rotating it is Certificates.psm1's business). #>
    param($Topology, [string] $Folder, [string] $Name, [string] $Usage)
    $directory = Join-Path (Get-PkiDir $Topology) $Folder
    $certificate = Join-Path $directory "$Name.crt"
    $key = Join-Path $directory "$Name.key"
    if (-not ((Test-Path $certificate) -and (Test-Path $key))) {
        New-ServiceCertificate -Ca (Get-StoreCa $Topology) -Name $Name -Usage $Usage -Directory $directory | Out-Null
    }
    [pscustomobject]@{ CaFile = (Get-StoreCa $Topology).CertificatePath; CertificateFile = $certificate; KeyFile = $key }
}

function Get-StoreSecret {
    <# One password under run/secrets/$Name, made on first use: random, hex, mode 600. #>
    param($Topology, [string] $Name)
    $file = Join-Path $Topology.RunDir 'secrets' $Name
    if (-not (Test-Path $file)) {
        Get-Secrets $Topology | Out-Null # makes the folder, mode 700
        Save-Secret $Topology $Name ([Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(24)).ToLowerInvariant())
    }
    [pscustomobject]@{ File = $file; Value = (Get-Content $file -Raw).Trim() }
}

function New-NamelessClientCertificate {
    <#
        A client certificate with no common name, for etcd's JSON gateway: with client-cert-auth and RBAC on, etcd
        refuses a gateway request whose certificate names anyone (the name cannot pass through the gateway), so such
        a client authenticates with a user and password and presents this only to pass the TLS handshake.
    #>
    param($Topology, [string] $Name)
    $directory = Join-Path (Get-PkiDir $Topology) 'etcd'
    $certificatePath = Join-Path $directory "$Name.crt"
    $keyPath = Join-Path $directory "$Name.key"
    if ((Test-Path $certificatePath) -and (Test-Path $keyPath)) { return [pscustomobject]@{ CertificateFile = $certificatePath; KeyFile = $keyPath } }
    New-Item -ItemType Directory -Force -Path $directory | Out-Null
    $ca = Get-StoreCa $Topology
    $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    try {
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('O=EdgeImages etcd gateway client', $key, [Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
        $usages = [Security.Cryptography.OidCollection]::new()
        [void]$usages.Add([Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.2'))
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($usages, $false))
        $now = [DateTimeOffset]::UtcNow
        $notAfter = $now.AddDays(30)
        if ($notAfter -gt [DateTimeOffset]$ca.Certificate.NotAfter) { $notAfter = [DateTimeOffset]$ca.Certificate.NotAfter }
        $serial = [Security.Cryptography.RandomNumberGenerator]::GetBytes(16)
        $serial[0] = $serial[0] -band 0x7F
        $issued = $request.Create($ca.Certificate, $now.AddMinutes(-5), $notAfter, $serial)
        try {
            # The key first, mode 600 before the secret goes in (as Certificates.psm1 writes keys).
            [IO.File]::WriteAllText("$keyPath.tmp", '')
            if ($IsLinux) { chmod 600 "$keyPath.tmp" }
            [IO.File]::WriteAllText("$keyPath.tmp", $key.ExportPkcs8PrivateKeyPem() + "`n")
            [IO.File]::Move("$keyPath.tmp", $keyPath, $true)
            [IO.File]::WriteAllText($certificatePath, $issued.ExportCertificatePem() + "`n")
        }
        finally { $issued.Dispose() }
    }
    finally { $key.Dispose() }
    [pscustomobject]@{ CertificateFile = $certificatePath; KeyFile = $keyPath }
}

function New-PinnedHttpClient {
    <# An HttpClient that trusts the deployment CA alone and presents a client certificate (when given). #>
    param([string] $CaFile, [string] $CertificateFile, [string] $KeyFile)
    $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $policy.CustomTrustStore.ImportFromPemFile($CaFile)
    $ssl = [Net.Security.SslClientAuthenticationOptions]::new()
    $ssl.CertificateChainPolicy = $policy
    if ($CertificateFile) {
        $certificates = [Security.Cryptography.X509Certificates.X509CertificateCollection]::new()
        [void]$certificates.Add([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($CertificateFile, $KeyFile))
        $ssl.ClientCertificates = $certificates
    }
    $handler = [Net.Http.SocketsHttpHandler]::new()
    $handler.SslOptions = $ssl
    $handler.ConnectTimeout = [TimeSpan]::FromSeconds(2)
    $client = [Net.Http.HttpClient]::new($handler)
    $client.Timeout = [TimeSpan]::FromSeconds(5)
    return $client
}

#endregion

#region etcd

function Get-EtcdEndpoints($Topology) {
    (Get-Processes $Topology -Kind etcd | ForEach-Object { "https://127.0.0.1:$($_.Port)" }) -join ','
}

function Get-EtcdArguments {
    <# etcd's TLS flags: clients and peers over TLS, client certificates of the deployment CA required on both. #>
    param($Topology, $Process)
    $tls = Get-StoreCertificate $Topology 'etcd' $Process.Name 'ServerAndClient'
    @(
        '--cert-file', $tls.CertificateFile, '--key-file', $tls.KeyFile, '--client-cert-auth', '--trusted-ca-file', $tls.CaFile,
        '--peer-cert-file', $tls.CertificateFile, '--peer-key-file', $tls.KeyFile, '--peer-client-cert-auth', '--peer-trusted-ca-file', $tls.CaFile
    )
}

function Get-EtcdClientSettings {
    <# A service's etcd identity: the deployment CA, and a client certificate whose common name is its etcd user. #>
    param($Topology, [string] $User)
    Get-StoreCertificate $Topology 'etcd' $User 'Client'
}

function Get-EdgeEtcdUser($Process) { "edge.$($Process.Pop).$($Process.Name)" }

function Test-EtcdHealthy {
    param($Topology, $Process)
    $probe = Get-StoreCertificate $Topology 'etcd' 'etcd-probe' 'Client' # no etcd user: /health needs none
    $client = New-PinnedHttpClient $probe.CaFile $probe.CertificateFile $probe.KeyFile
    try { return [int]$client.GetAsync("https://127.0.0.1:$($Process.Port)/health").GetAwaiter().GetResult().StatusCode -eq 200 }
    catch { return $false }
    finally { $client.Dispose() }
}

function Invoke-EtcdGateway {
    <# One call to etcd's JSON gateway; the answer's status and parsed body. #>
    param($Client, [string] $Endpoint, [string] $Path, $Body, [string] $Token)
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Post, "$Endpoint$Path")
    $request.Content = [Net.Http.StringContent]::new(($Body | ConvertTo-Json -Depth 5 -Compress), [Text.Encoding]::UTF8, 'application/json')
    if ($Token) { [void]$request.Headers.TryAddWithoutValidation('Authorization', $Token) }
    $response = $Client.SendAsync($request).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    [pscustomobject]@{ Status = [int]$response.StatusCode; Body = $(if ($text) { $text | ConvertFrom-Json } else { $null }); Text = $text }
}

function Assert-EtcdAnswer {
    <# An answer that is success, or an "already exists" that makes a repeated bootstrap step a no-op. #>
    param($Answer, [string] $What)
    if ($Answer.Status -eq 200 -or $Answer.Text -match 'already exists') { return }
    throw "etcd refused to $($What): HTTP $($Answer.Status) $($Answer.Text)"
}

function ConvertTo-EtcdBytes([string] $Text) { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Text)) }

function ConvertTo-EtcdRangeEnd([string] $Prefix) {
    $bytes = [Text.Encoding]::UTF8.GetBytes($Prefix)
    $bytes[-1]++
    [Convert]::ToBase64String($bytes)
}

function Set-EtcdUser {
    <#
        User $Name with a role of the same name granted $Grants (each @{ Key; Prefix; Write }): no password unless given
        (a certificate's common name is then the only way in).
    #>
    param($Client, [string] $Endpoint, [string] $Token, [string] $Name, [string] $Password, [object[]] $Grants)
    $user = if ($Password) { @{ name = $Name; password = $Password } } else { @{ name = $Name; options = @{ no_password = $true } } }
    # An existing user keeps its password: it was made from the same secret file, and changing a password revokes
    # its tokens (this session's own, for root).
    Assert-EtcdAnswer (Invoke-EtcdGateway $Client $Endpoint '/v3/auth/user/add' $user $Token) "add user $Name"
    Assert-EtcdAnswer (Invoke-EtcdGateway $Client $Endpoint '/v3/auth/role/add' @{ name = $Name } $Token) "add role $Name"
    foreach ($grant in $Grants) {
        $permission = @{ permType = $(if ($grant.Write) { 2 } else { 0 }); key = ConvertTo-EtcdBytes $grant.Key }
        if ($grant.Prefix) { $permission['range_end'] = ConvertTo-EtcdRangeEnd $grant.Key }
        Assert-EtcdAnswer (Invoke-EtcdGateway $Client $Endpoint '/v3/auth/role/grant' @{ name = $Name; perm = $permission } $Token) "grant $($grant.Key) to $Name"
    }
    Assert-EtcdAnswer (Invoke-EtcdGateway $Client $Endpoint '/v3/auth/user/grant' @{ user = $Name; role = $Name } $Token) "grant role $Name"
}

function Get-EdgeEtcdGrants([string] $Region, [string] $Pop, [string] $EdgeId) {
    $p = $script:EtcdPrefix
    @(
        @{ Key = "${p}keys/"; Prefix = $true; Write = $false }
        @{ Key = "${p}tenants/"; Prefix = $true; Write = $false }
        @{ Key = "${p}purges/"; Prefix = $true; Write = $false }
        @{ Key = "${p}purge-horizon"; Prefix = $true; Write = $false }
        @{ Key = "${p}drain/$Pop"; Prefix = $true; Write = $false }
        @{ Key = "${p}cache-generations/$Region"; Prefix = $true; Write = $false }
        # Exact keys for writes: a prefix grant on edges/{pop}/edge-1 would cover edges/{pop}/edge-10 too.
        @{ Key = "${p}cache-generations/$Region"; Prefix = $false; Write = $true }
        @{ Key = "${p}edges/$Pop/$EdgeId"; Prefix = $false; Write = $true }
    )
}

function Open-EtcdAsRoot {
    <#
        A JSON-gateway session as etcd's root: a nameless client certificate for the handshake and root's password
        (run/secrets/etcd-root-password) for a token; no token while auth is still off (a fresh cluster).
    #>
    param($Topology)
    $ca = Get-StoreCa $Topology
    $gateway = New-NamelessClientCertificate $Topology 'gateway-bootstrap'
    $client = New-PinnedHttpClient $ca.CertificatePath $gateway.CertificateFile $gateway.KeyFile
    $endpoint = (Get-EtcdEndpoints $Topology).Split(',')[0]
    $root = Get-StoreSecret $Topology 'etcd-root-password'
    $answer = Invoke-EtcdGateway $client $endpoint '/v3/auth/authenticate' @{ name = 'root'; password = $root.Value } $null
    $token = if ($answer.Status -eq 200) { $answer.Body.token } else { $null }
    if (-not $token -and $answer.Text -notmatch 'authentication is not enabled') {
        $client.Dispose()
        throw "etcd refused root's password: HTTP $($answer.Status) $($answer.Text)"
    }
    [pscustomobject]@{ Client = $client; Endpoint = $endpoint; Token = $token; RootPassword = $root.Value }
}

function Initialize-EtcdAccess {
    <#
        Users, roles and `auth enable`, idempotently: root (by password, for this bootstrap alone), control-plane, one
        user per edge. Run after etcd is healthy and before any service that uses it starts.
    #>
    param($Topology)
    $session = Open-EtcdAsRoot $Topology
    try {
        $c = $session.Client; $e = $session.Endpoint; $t = $session.Token
        Set-EtcdUser $c $e $t 'root' $session.RootPassword @()
        Assert-EtcdAnswer (Invoke-EtcdGateway $c $e '/v3/auth/user/grant' @{ user = 'root'; role = 'root' } $t) 'grant root its role'
        Set-EtcdUser $c $e $t 'control-plane' '' @(@{ Key = $script:EtcdPrefix; Prefix = $true; Write = $true })
        foreach ($edge in Get-Processes $Topology -Kind edge) {
            Set-EtcdUser $c $e $t (Get-EdgeEtcdUser $edge) '' (Get-EdgeEtcdGrants $edge.Region $edge.Pop $edge.Name)
        }
        Assert-EtcdAnswer (Invoke-EtcdGateway $c $e '/v3/auth/enable' @{} $t) 'enable authentication'
    }
    finally { $session.Client.Dispose() }
}

function New-EtcdGatewayUser {
    <#
        A user for a client that reaches etcd only through its JSON gateway (Patroni): read and write below $Prefix
        alone, its password in run/secrets/etcd-$Name-password (mode 600), and a nameless client certificate for the
        TLS handshake. Returns what such a client is configured with: endpoints (https), the CA, its certificate and
        key, its user name and the password file. Idempotent; run after Initialize-EtcdAccess.
    #>
    param([Parameter(Mandatory)] $Topology, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Prefix)
    $password = Get-StoreSecret $Topology "etcd-$Name-password"
    $certificate = New-NamelessClientCertificate $Topology "gateway-$Name"
    $session = Open-EtcdAsRoot $Topology
    try { Set-EtcdUser $session.Client $session.Endpoint $session.Token $Name $password.Value @(@{ Key = $Prefix; Prefix = $true; Write = $true }) }
    finally { $session.Client.Dispose() }
    [pscustomobject]@{
        Endpoints = Get-EtcdEndpoints $Topology; CaFile = (Get-StoreCa $Topology).CertificatePath
        CertificateFile = $certificate.CertificateFile; KeyFile = $certificate.KeyFile; User = $Name; PasswordFile = $password.File
    }
}

#endregion

#region Redis

function Get-RedisUser([string] $Region) { "edge-$Region" }

function Write-RedisConfig {
    <# run/data/redis-{region}/redis.conf, mode 600: TLS only, the default user off, the region's user and admin (hashes only). #>
    param($Topology, $Process)
    $data = Get-DataDir $Topology $Process
    New-Item -ItemType Directory -Force -Path $data | Out-Null
    # A cluster node also connects out, to the other nodes' bus (which always demands a client certificate) and to its
    # primary: its certificate serves both ends.
    $tls = Get-StoreCertificate $Topology 'redis' $Process.Name $(if ($Process.Cluster) { 'ServerAndClient' } else { 'Server' })
    $region = Get-StoreSecret $Topology "redis-$($Process.Region)-password"
    $admin = Get-StoreSecret $Topology "redis-$($Process.Region)-admin-password"
    $hash = { param($value) [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($value))).ToLowerInvariant() }
    $lines = @(
        'port 0', "tls-port $($Process.Port)", 'bind 127.0.0.1',
        "tls-cert-file $($tls.CertificateFile)", "tls-key-file $($tls.KeyFile)", "tls-ca-cert-file $($tls.CaFile)",
        # Clients prove who they are with an ACL user and password; TLS authenticates the server to them.
        'tls-auth-clients no', 'tls-protocols "TLSv1.2 TLSv1.3"',
        "dir $data", 'save ""', 'appendonly no', 'maxmemory 256mb', 'maxmemory-policy allkeys-lru',
        'user default off resetkeys resetchannels -@all',
        "user admin on #$(& $hash $admin.Value) ~* &* +@all",
        "user $(Get-RedisUser $Process.Region) on #$(& $hash $region.Value) $script:RedisRegionRules"
    )
    if ($Process.Cluster) {
        $lines += @(
            'cluster-enabled yes', "cluster-port $($Process.BusPort)", 'cluster-config-file nodes.conf',
            # A primary unreachable for 2 s is failed over to its replica; any replica may take over, however long it
            # was cut off (a cache prefers any copy to none), and the other primaries' slots keep serving meanwhile.
            'cluster-node-timeout 2000', 'cluster-replica-validity-factor 0', 'cluster-require-full-coverage no',
            # The cluster bus and replication over TLS too; a replica logs in to its primary as admin (the default
            # user is off), whose password redis-server must hold in clear to send it: this file is mode 600.
            'tls-cluster yes', 'tls-replication yes', 'masteruser admin', "masterauth $($admin.Value)"
        )
    }
    $file = Join-Path $data 'redis.conf'
    [IO.File]::WriteAllText($file, '')
    if ($IsLinux) { chmod 600 $file }
    [IO.File]::WriteAllText($file, ($lines -join "`n") + "`n")
    return $file
}

function Invoke-RedisCli {
    <# One redis-cli command over TLS as the region's admin; the password reaches it in its environment (REDISCLI_AUTH), not argv. #>
    param($Topology, $Process, [string[]] $Arguments)
    $admin = Get-StoreSecret $Topology "redis-$($Process.Region)-admin-password"
    $start = [Diagnostics.ProcessStartInfo]::new('redis-cli')
    foreach ($argument in @('--tls', '--cacert', (Get-StoreCa $Topology).CertificatePath, '-h', '127.0.0.1', '-p', "$($Process.Port)", '--user', 'admin') + $Arguments) {
        $start.ArgumentList.Add($argument)
    }
    $start.Environment['REDISCLI_AUTH'] = $admin.Value
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $cli = [Diagnostics.Process]::Start($start)
    try {
        $errors = $cli.StandardError.ReadToEndAsync()
        $output = $cli.StandardOutput.ReadToEnd()
        $cli.WaitForExit()
        $null = $errors.GetAwaiter().GetResult()
        return $output
    }
    finally { $cli.Dispose() }
}

function Test-RedisHealthy {
    <# PING over TLS as the region's admin (a cluster node answers it before it has joined). #>
    param($Topology, $Process)
    return (Invoke-RedisCli $Topology $Process @('ping')).Trim() -eq 'PONG'
}

function Get-RedisEndpoints {
    <# Caching:Redis for a region: its one Redis, or every node of its cluster (the client learns the slots from any that answers). #>
    param($Topology, [string] $Region)
    (@(Get-Processes $Topology -Kind redis -Region $Region) | ForEach-Object { "127.0.0.1:$($_.Port)" }) -join ','
}

function Get-RedisPrimaries {
    <# The running nodes of a region's cluster that are primaries now (a failover changes which). #>
    param($Topology, [string] $Region)
    @(Get-Processes $Topology -Kind redis -Region $Region) |
        Where-Object { $_.Cluster -and (Get-RunningPid $Topology $_) -and ((Invoke-RedisCli $Topology $_ @('role')) -split "`n")[0].Trim() -eq 'master' }
}

function Test-RedisClusterHealthy {
    <# Every running node sees the cluster ok, and three primaries each have a replica streaming from them. #>
    param($Topology, [string] $Region)
    foreach ($node in @(Get-Processes $Topology -Kind redis -Region $Region) | Where-Object { Get-RunningPid $Topology $_ }) {
        if ((Invoke-RedisCli $Topology $node @('cluster', 'info')) -notmatch 'cluster_state:ok') { return $false }
    }
    $primaries = @(Get-RedisPrimaries $Topology $Region)
    if ($primaries.Count -lt 3) { return $false }
    foreach ($primary in $primaries) {
        if ((Invoke-RedisCli $Topology $primary @('info', 'replication')) -notmatch 'state=online') { return $false }
    }
    return $true
}

function Initialize-RedisClusters {
    <#
        For each region whose L2 is a cluster: `redis-cli --cluster create` over its six nodes (three primaries, a replica
        each) unless their slots are assigned already (a later up, or nodes restarted on their nodes.conf), then waits
        until it is healthy. Nothing for a region with one Redis.
    #>
    param($Topology)
    foreach ($region in $Topology.Regions) {
        $nodes = @(Get-Processes $Topology -Kind redis -Region $region | Where-Object { $_.Cluster })
        if (-not $nodes) { continue }
        if ((Invoke-RedisCli $Topology $nodes[0] @('cluster', 'info')) -notmatch 'cluster_slots_assigned:16384') {
            Write-Host "  creating the Redis Cluster of $region"
            $arguments = @('--cluster', 'create') + @($nodes | ForEach-Object { "127.0.0.1:$($_.Port)" }) + @('--cluster-replicas', '1', '--cluster-yes')
            $output = Invoke-RedisCli $Topology $nodes[0] $arguments
            if ($output -notmatch 'All 16384 slots covered') { throw "redis-cli --cluster create failed for ${region}:`n$output" }
        }
        Wait-Until -TimeoutSeconds 60 -What "the Redis Cluster of $region to be healthy" { Test-RedisClusterHealthy $Topology $region }
    }
}

function Get-EdgeStoreSettings {
    <# What an edge is configured with to reach its region's Redis and etcd (paths only; the secrets stay in files). #>
    param($Topology, $Process)
    $etcd = Get-EtcdClientSettings $Topology (Get-EdgeEtcdUser $Process)
    @{
        'Caching:Redis' = Get-RedisEndpoints $Topology $Process.Region
        'Caching:RedisCaFile' = $etcd.CaFile
        'Caching:RedisUser' = Get-RedisUser $Process.Region
        'Caching:RedisPasswordFile' = (Get-StoreSecret $Topology "redis-$($Process.Region)-password").File
        'ControlPlane:Etcd' = Get-EtcdEndpoints $Topology
        'ControlPlane:EtcdCaFile' = $etcd.CaFile
        'ControlPlane:EtcdCertificateFile' = $etcd.CertificateFile
        'ControlPlane:EtcdKeyFile' = $etcd.KeyFile
    }
}

function Get-ControlPlaneStoreSettings {
    param($Topology)
    $etcd = Get-EtcdClientSettings $Topology 'control-plane'
    @{
        'Etcd:Endpoints' = Get-EtcdEndpoints $Topology
        'Etcd:CaFile' = $etcd.CaFile
        'Etcd:CertificateFile' = $etcd.CertificateFile
        'Etcd:KeyFile' = $etcd.KeyFile
    }
}

#endregion

Export-ModuleMember -Function New-PinnedHttpClient, Get-EtcdEndpoints, Get-EtcdArguments, Test-EtcdHealthy, Initialize-EtcdAccess, New-EtcdGatewayUser, `
    Write-RedisConfig, Test-RedisHealthy, Invoke-RedisCli, Get-RedisEndpoints, Get-RedisPrimaries, Test-RedisClusterHealthy, Initialize-RedisClusters, `
    Get-EdgeStoreSettings, Get-ControlPlaneStoreSettings, Get-EdgeEtcdUser, Get-RedisUser
