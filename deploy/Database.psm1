# The origin's database: PostgreSQL under Patroni (the Debian package), a primary and a synchronous standby, their
# DCS the topology's etcd under a key prefix of their own (/edgeimages-db/, apart from the control plane's
# /edgeimages/), reached over TLS through etcd's JSON gateway as the etcd user patroni, whose role reads and writes
# that prefix alone (Stores.psm1, New-EtcdGatewayUser). Every connection is TLS with a server
# certificate from the deployment CA (run/pki) and a SCRAM password, replication included: pg_hba.conf has hostssl
# lines only. The origin reaches it as origin_app (rows only) and migrates as origin_owner; the passwords are files
# under run/secrets/ and reach Patroni in its 0600 configuration file, the origin in its environment.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')
Import-Module (Join-Path $PSScriptRoot 'Certificates.psm1')
Import-Module (Join-Path $PSScriptRoot 'Stores.psm1')

$script:PostgresBin = '/usr/lib/postgresql/15/bin'
$script:Patroni = '/usr/bin/patroni'
# Patroni's keys live under {namespace}{scope}/. Not the control plane's /edgeimages/: Patroni's etcd user is granted
# this prefix alone, so Patroni can neither read nor overwrite the control plane's keys, nor they its leader key.
$script:Namespace = '/edgeimages-db/'
$script:Database = 'edgeimages'

function Get-PostgresUser { if ((id -u) -eq '0') { 'postgres' } else { '' } }

function Get-DatabasePasswords($Topology) {
    $folder = Join-Path $Topology.RunDir 'secrets'
    $read = { param($name) (Get-Content (Join-Path $folder $name) -Raw).Trim() }
    [pscustomobject]@{
        Superuser = & $read 'postgres-superuser-password'
        Replication = & $read 'postgres-replication-password'
        Owner = & $read 'origin-db-owner-password'
        App = & $read 'origin-db-app-password'
    }
}

function Get-PostgresCaPath($Topology) { Join-Path (Get-PkiDir $Topology) 'ca.crt' }

function Get-OriginConnectionStrings {
    <# The origin's two logins, every member in the host list: Npgsql finds the primary itself after a failover. #>
    param($Topology)
    $passwords = Get-DatabasePasswords $Topology
    $hosts = (Get-Processes $Topology -Kind postgres | ForEach-Object { "127.0.0.1:$($_.Port)" }) -join ','
    $common = "Host=$hosts;Database=$script:Database;SSL Mode=VerifyFull;Root Certificate=$(Get-PostgresCaPath $Topology)"
    @{
        'Origin__Database__ConnectionString' = "$common;Username=origin_app;Password=$($passwords.App)"
        'Origin__Database__MigrationConnectionString' = "$common;Username=origin_owner;Password=$($passwords.Owner)"
    }
}

function Start-PatroniMember {
    <#
        One member: its certificate (issued on first start, owned by postgres), its configuration (mode 600: it holds
        the passwords), and Patroni run as postgres with HOME in its own folder (libpq looks for client certificates
        under ~/.postgresql). The first member to start bootstraps the cluster; the others clone it over TLS.
    #>
    param($Topology, $Process)
    $data = Get-DataDir $Topology $Process
    $asUser = Get-PostgresUser
    New-Item -ItemType Directory -Force -Path $data | Out-Null
    # The postgres user must reach its folder, its certificate and the CA: the run folder may be private (mode 700).
    if ($asUser) { chmod 755 $Topology.RunDir (Split-Path $data) }
    $ca = New-DeploymentCa -Directory (Get-PkiDir $Topology)
    $tls = Join-Path $data 'tls'
    if (-not (Test-Path (Join-Path $tls "$($Process.Name).key"))) {
        New-ServiceCertificate -Ca $ca -Name $Process.Name -Usage Server -Directory $tls -Owner $asUser | Out-Null
    }
    Copy-Item (Get-PostgresCaPath $Topology) (Join-Path $tls 'ca.crt') -Force
    $passwords = Get-DatabasePasswords $Topology
    # etcd over TLS as the gateway user patroni: a nameless client certificate for the handshake (etcd refuses a named
    # one on the JSON gateway) and a password, which reaches Patroni in this 0600 file, never on its command line.
    # The certificate and key are copied next to the member's own, where the postgres user may read them.
    $gateway = New-EtcdGatewayUser -Topology $Topology -Name patroni -Prefix $script:Namespace
    $etcdPassword = (Get-Content $gateway.PasswordFile -Raw).Trim()
    $etcdCertificate = Join-Path $tls 'etcd-client.crt'
    $etcdKey = Join-Path $tls 'etcd-client.key'
    Copy-Item $gateway.CertificateFile $etcdCertificate -Force
    [IO.File]::WriteAllText($etcdKey, '')
    chmod 600 $etcdKey
    [IO.File]::WriteAllText($etcdKey, [IO.File]::ReadAllText($gateway.KeyFile))
    $etcd = (Get-Processes $Topology -Kind etcd | ForEach-Object { "127.0.0.1:$($_.Port)" }) -join ','
    $caFile = Join-Path $tls 'ca.crt'
    $ssl = "sslmode: verify-full, sslrootcert: '$caFile'"
    $config = @"
scope: edgeimages
namespace: $script:Namespace
name: $($Process.Name)
log: {level: INFO}
restapi: {listen: '127.0.0.1:$($Process.RestPort)', connect_address: '127.0.0.1:$($Process.RestPort)'}
etcd3:
  hosts: '$etcd'
  protocol: https
  cacert: '$caFile'
  cert: '$etcdCertificate'
  key: '$etcdKey'
  username: '$($gateway.User)'
  password: '$etcdPassword'
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: false
    postgresql:
      use_pg_rewind: true
      parameters: {wal_level: replica, hot_standby: 'on', wal_log_hints: 'on', max_wal_senders: 10, max_replication_slots: 10, max_connections: 300, synchronous_commit: 'on'}
  initdb: [{encoding: UTF8}, {auth: scram-sha-256}]
postgresql:
  listen: '127.0.0.1:$($Process.Port)'
  connect_address: '127.0.0.1:$($Process.Port)'
  data_dir: '$(Join-Path $data 'cluster')'
  bin_dir: '$script:PostgresBin'
  pgpass: '$(Join-Path $data 'pgpass')'
  basebackup: [{checkpoint: fast}]
  authentication:
    superuser: {username: postgres, password: '$($passwords.Superuser)', $ssl}
    replication: {username: replicator, password: '$($passwords.Replication)', $ssl}
    rewind: {username: postgres, password: '$($passwords.Superuser)', $ssl}
  parameters:
    unix_socket_directories: '$data'
    ssl: 'on'
    ssl_cert_file: '$(Join-Path $tls "$($Process.Name).crt")'
    ssl_key_file: '$(Join-Path $tls "$($Process.Name).key")'
    ssl_min_protocol_version: TLSv1.2
    password_encryption: scram-sha-256
  pg_hba:
    - hostssl all all 127.0.0.1/32 scram-sha-256
    - hostssl replication replicator 127.0.0.1/32 scram-sha-256
"@
    $file = Join-Path $data 'patroni.yml'
    [IO.File]::WriteAllText($file, '')
    chmod 600 $file
    [IO.File]::WriteAllText($file, $config)
    if ($asUser) { chown -R "${asUser}:${asUser}" $data }
    Start-Managed $Topology $Process '/usr/bin/env' @("HOME=$data", $script:Patroni, $file) -AsUser $asUser | Out-Null
}

function Get-PatroniRole {
    <# primary, replica (or sync_standby), or $null when the member's Patroni does not answer. #>
    param($Process)
    try {
        $answer = Invoke-RestMethod -Uri "http://127.0.0.1:$($Process.RestPort)/patroni" -TimeoutSec 2 -SkipHttpErrorCheck
        $role = $answer.role
        if ($role -eq 'master') { return 'primary' }
        return $role
    } catch { return $null }
}

function Get-DatabaseLeader {
    param($Topology)
    Get-Processes $Topology -Kind postgres | Where-Object { (Get-PatroniRole $_) -eq 'primary' } | Select-Object -First 1
}

function Test-PatroniHealthy {
    <# Patroni's /health: 200 while its PostgreSQL runs, as primary or as a streaming standby. #>
    param($Process)
    (Test-Http "http://127.0.0.1:$($Process.RestPort)/health") -eq 200
}

function Wait-SyncStandby {
    param($Topology, [int] $TimeoutSeconds = 90)
    $first = Get-Processes $Topology -Kind postgres | Select-Object -First 1
    Wait-Until -TimeoutSeconds $TimeoutSeconds -What 'a synchronous standby streaming from the primary' {
        foreach ($process in Get-Processes $Topology -Kind postgres) {
            try {
                $cluster = Invoke-RestMethod -Uri "http://127.0.0.1:$($process.RestPort)/cluster" -TimeoutSec 2
                return [bool]($cluster.members | Where-Object { $_.role -eq 'sync_standby' -and $_.state -in 'running', 'streaming' })
            } catch { }
        }
        $false
    }
}

function Invoke-Psql {
    <# One statement as the superuser on the primary, over TLS with the CA pinned; the password in the environment. #>
    param($Topology, [string] $Sql, [string] $Database = 'postgres')
    $leader = Get-DatabaseLeader $Topology
    if (-not $leader) { throw 'No PostgreSQL primary answers.' }
    $env:PGPASSWORD = (Get-DatabasePasswords $Topology).Superuser
    try {
        $conninfo = "host=127.0.0.1 port=$($leader.Port) user=postgres dbname=$Database sslmode=verify-full sslrootcert=$(Get-PostgresCaPath $Topology)"
        $output = & "$script:PostgresBin/psql" $conninfo -v ON_ERROR_STOP=1 -tAc $Sql 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $($output -join "`n")" }
        return "$output".Trim()
    } finally { Remove-Item Env:PGPASSWORD }
}

function Initialize-OriginDatabase {
    <#
        The origin's database and roles, idempotently: origin_owner owns the database (and migrates), origin_app may
        connect and nothing more until the origin's migration grants it its rows; nobody else may connect, nobody may
        create in the public schema. Passwords are set on every up, so a rotated file takes effect.
    #>
    param($Topology)
    $passwords = Get-DatabasePasswords $Topology
    foreach ($role in @(@('origin_owner', $passwords.Owner), @('origin_app', $passwords.App))) {
        $name, $password = $role
        $exists = Invoke-Psql $Topology "SELECT 1 FROM pg_roles WHERE rolname = '$name'"
        $verb = if ($exists -eq '1') { 'ALTER' } else { 'CREATE' }
        Invoke-Psql $Topology "$verb ROLE $name LOGIN PASSWORD '$password'" | Out-Null
    }
    if ((Invoke-Psql $Topology "SELECT 1 FROM pg_database WHERE datname = '$script:Database'") -ne '1') {
        Invoke-Psql $Topology "CREATE DATABASE $script:Database OWNER origin_owner" | Out-Null
    }
    Invoke-Psql $Topology "REVOKE ALL ON DATABASE $script:Database FROM PUBLIC" | Out-Null
    Invoke-Psql $Topology "GRANT CONNECT ON DATABASE $script:Database TO origin_app" | Out-Null
    Invoke-Psql $Topology 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' -Database $script:Database | Out-Null
}

function Stop-PatroniMemberAbruptly {
    <#
        SIGKILL to a member's Patroni and its PostgreSQL, as losing the machine would. Patroni starts the postmaster
        in a session of its own (it outlives Patroni on purpose), so Patroni is frozen first (it would restart what
        it saw die), then the postmaster's process group is killed, then Patroni.
    #>
    param($Topology, $Process)
    $patroni = Get-RunningPid $Topology $Process
    if ($patroni) { kill -STOP $patroni 2>$null }
    $pidFile = Join-Path (Get-DataDir $Topology $Process) 'cluster' 'postmaster.pid'
    if (Test-Path $pidFile) {
        $postmaster = (Get-Content $pidFile -TotalCount 1).Trim()
        $stat = Get-Content "/proc/$postmaster/stat" -Raw -ErrorAction SilentlyContinue
        $cmdline = Get-Content "/proc/$postmaster/cmdline" -Raw -ErrorAction SilentlyContinue
        if ($stat -and $cmdline -and $cmdline.Contains((Get-DataDir $Topology $Process))) {
            $group = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[2]
            kill -KILL -- "-$group" 2>$null
        }
    }
    if ($patroni) { kill -KILL $patroni 2>$null }
}

Export-ModuleMember -Function Get-OriginConnectionStrings, Start-PatroniMember, Get-PatroniRole, Get-DatabaseLeader, `
    Test-PatroniHealthy, Wait-SyncStandby, Invoke-Psql, Initialize-OriginDatabase, Stop-PatroniMemberAbruptly
