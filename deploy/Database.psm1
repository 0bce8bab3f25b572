# The origin's database: PostgreSQL under Patroni (the Debian package), a primary and a synchronous standby, their
# DCS the topology's etcd under a key prefix of their own (/edgeimages-db/, apart from the control plane's
# /edgeimages/), reached over TLS through etcd's JSON gateway as the etcd user patroni, whose role reads and writes
# that prefix alone (Stores.psm1, New-EtcdGatewayUser). Every connection is TLS with a server
# certificate from the deployment CA (run/pki) and a SCRAM password, replication included: pg_hba.conf has hostssl
# lines only. The origin reaches it as origin_app (rows only) and migrates as origin_owner; the passwords are files
# under run/secrets/ and reach Patroni in its 0600 configuration file, the origin in its environment. Patroni's REST
# API is HTTPS with a certificate from the same CA and demands a client certificate from it (verify_client: required):
# the members call each other with their own, deploy with its operator certificate.
#
# Backups (issue 17.5): whichever member is primary archives each completed WAL segment, gzipped, into run/backup/wal/
# (archive_command, at the latest archive_timeout after a commit), and `deploy.ps1 backup` takes a base backup into
# run/backup/base/ with pg_basebackup over TLS as the replication user. Restore-DatabaseCopy replays them to a chosen
# moment in a temporary PostgreSQL of its own on loopback, the topology's members left alone: the restore-original
# drill reads a deleted original back from it.

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
# A completed WAL segment reaches the archive at most this long after the commit that began filling it: the recovery
# point when the primary's disk is lost with it (the synchronous standby has every acknowledged commit anyway).
$script:ArchiveTimeoutSeconds = 15
# The temporary instance a restore starts: PostgreSQL's block (+20..) has members on +20 and +21, Patroni +25.. .
$script:RestorePortOffset = 24

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
    # The REST API's certificate: server and client usage, since Patroni presents it when it calls its peers' APIs.
    if (-not (Test-Path (Join-Path $tls "$($Process.Name)-api.key"))) {
        New-ServiceCertificate -Ca $ca -Name "$($Process.Name)-api" -Usage ServerAndClient -Directory $tls -Owner $asUser | Out-Null
    }
    $backup = Initialize-BackupFolder $Topology
    $ssl = "sslmode: verify-full, sslrootcert: '$caFile'"
    $config = @"
scope: edgeimages
namespace: $script:Namespace
name: $($Process.Name)
log: {level: INFO}
restapi:
  listen: '127.0.0.1:$($Process.RestPort)'
  connect_address: '127.0.0.1:$($Process.RestPort)'
  certfile: '$(Join-Path $tls "$($Process.Name)-api.crt")'
  keyfile: '$(Join-Path $tls "$($Process.Name)-api.key")'
  cafile: '$caFile'
  verify_client: required
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
    archive_mode: 'on'
    archive_command: '$($backup.ArchiveScript) %p %f'
    archive_timeout: $script:ArchiveTimeoutSeconds
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

function Get-PatroniJson {
    <#
        One GET of a member's REST API over deploy's pinned client (Set-HttpTrust: the deployment CA alone, the operator's
        client certificate presented, which Patroni demands); the parsed body whatever the status, $null when it does not answer.
    #>
    param($Process, [string] $Endpoint, [int] $TimeoutMs = 2000)
    $limit = [Threading.CancellationTokenSource]::new($TimeoutMs)
    try {
        $response = (Get-HttpClient).GetAsync("https://127.0.0.1:$($Process.RestPort)/$Endpoint", $limit.Token).GetAwaiter().GetResult()
        try { return $response.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json }
        finally { $response.Dispose() }
    } catch { return $null } finally { $limit.Dispose() }
}

function Get-PatroniRole {
    <# primary, replica (or sync_standby), or $null when the member's Patroni does not answer. #>
    param($Process)
    $answer = Get-PatroniJson $Process 'patroni'
    if (-not $answer -or -not ($answer.PSObject.Properties.Name -contains 'role')) { return $null }
    if ($answer.role -eq 'master') { return 'primary' }
    return $answer.role
}

function Get-DatabaseLeader {
    param($Topology)
    Get-Processes $Topology -Kind postgres | Where-Object { (Get-PatroniRole $_) -eq 'primary' } | Select-Object -First 1
}

function Test-PatroniHealthy {
    <# Patroni's /health: 200 while its PostgreSQL runs, as primary or as a streaming standby. #>
    param($Process)
    (Test-Http "https://127.0.0.1:$($Process.RestPort)/health") -eq 200
}

function Wait-SyncStandby {
    param($Topology, [int] $TimeoutSeconds = 90)
    $first = Get-Processes $Topology -Kind postgres | Select-Object -First 1
    Wait-Until -TimeoutSeconds $TimeoutSeconds -What 'a synchronous standby streaming from the primary' {
        foreach ($process in Get-Processes $Topology -Kind postgres) {
            $cluster = Get-PatroniJson $process 'cluster'
            if ($cluster -and ($cluster.PSObject.Properties.Name -contains 'members')) {
                return [bool]($cluster.members | Where-Object { $_.role -eq 'sync_standby' -and $_.state -in 'running', 'streaming' })
            }
        }
        $false
    }
}

function Invoke-Psql {
    <# One statement as the superuser on the primary, over TLS with the CA pinned; the password in the environment. #>
    param($Topology, [string] $Sql, [string] $Database = 'postgres')
    $leader = Get-DatabaseLeader $Topology
    if (-not $leader) { throw 'No PostgreSQL primary answers.' }
    Invoke-PsqlAt $Topology $leader.Port -Sql $Sql -Database $Database
}

function Invoke-PsqlAt {
    <#
        psql as the superuser on one port (a member, or a restored copy: the same cluster, so the same password and a
        certificate from the same CA), over TLS with the CA pinned; the password in psql's environment alone. -Sql is
        one statement or one backslash command; -File a script, run in one transaction.
    #>
    param($Topology, [int] $Port, [string] $Sql, [string] $File, [string] $Database = 'postgres')
    $env:PGPASSWORD = (Get-DatabasePasswords $Topology).Superuser
    try {
        $conninfo = "host=127.0.0.1 port=$Port user=postgres dbname=$Database sslmode=verify-full sslrootcert=$(Get-PostgresCaPath $Topology)"
        $what = if ($File) { @('--single-transaction', '-f', $File) } else { @('-c', $Sql) }
        $output = & "$script:PostgresBin/psql" $conninfo -v ON_ERROR_STOP=1 -tA @what 2>&1
        if ($LASTEXITCODE -ne 0) { throw "psql failed: $($output -join "`n")" }
        return "$output".Trim()
    } finally { Remove-Item Env:PGPASSWORD }
}

#region Backups: the WAL archive, base backups, and point-in-time recovery into a temporary instance

function Get-BackupDir($Topology) { Join-Path $Topology.RunDir 'backup' }

function Initialize-BackupFolder {
    <#
        run/backup/wal/ (the archive, written by whichever member is primary) and run/backup/base/ (base backups), the
        postgres user's, and the two scripts PostgreSQL runs: archive_command on the members, restore_command in a
        restored copy. Scripts rather than one-line commands: Patroni writes archive_command into postgresql.conf,
        where shell quoting inside YAML inside a configuration file is where mistakes hide.
    #>
    param($Topology)
    $root = Get-BackupDir $Topology
    $wal = Join-Path $root 'wal'
    $base = Join-Path $root 'base'
    New-Item -ItemType Directory -Force -Path $wal, $base | Out-Null
    $archive = Join-Path $root 'archive-wal.sh'
    $restore = Join-Path $root 'restore-wal.sh'
    # gzip: a segment switched out by archive_timeout is 16 MB of mostly zeros. Written beside its final name and
    # renamed, so a restore never reads half a segment. A name already archived is accepted only with the same
    # content: PostgreSQL retries a segment whose success it had not recorded when it crashed, and an archive must
    # never be overwritten (by an old primary that came back, or another cluster pointed here by mistake).
    $archiveText = @"
#!/bin/sh
# archive_command of every member (deploy/Database.psm1): `$1 is the segment (%p), `$2 its name (%f).
set -eu
target='$wal'/"`$2.gz"
if [ -f "`$target" ]; then
    gzip -dc "`$target" | cmp -s - "`$1"
    exit
fi
gzip -1 -c "`$1" > "`$target.tmp.`$`$"
sync "`$target.tmp.`$`$"
mv "`$target.tmp.`$`$" "`$target"
"@
    # A file missing from the archive is an ordinary answer (where the archive ends), not an error: exit 1.
    $restoreText = @"
#!/bin/sh
# restore_command of a restored copy (deploy/Database.psm1): `$1 is the file wanted (%f), `$2 where to put it (%p).
set -eu
source='$wal'/"`$1.gz"
[ -f "`$source" ] || exit 1
gzip -dc "`$source" > "`$2"
"@
    foreach ($script in @(@($archive, $archiveText), @($restore, $restoreText))) {
        $path, $text = $script
        if (-not (Test-Path $path) -or (Get-Content $path -Raw) -ne $text) { [IO.File]::WriteAllText($path, $text) }
        chmod 755 $path
    }
    $asUser = Get-PostgresUser
    if ($asUser) {
        chmod 755 $Topology.RunDir $root
        chown "${asUser}:${asUser}" $wal $base
    }
    [pscustomobject]@{ Root = $root; Wal = $wal; Base = $base; ArchiveScript = $archive; RestoreScript = $restore }
}

function Invoke-AsPostgres {
    <# A PostgreSQL client program run as the postgres user (when deploy runs as root), HOME in $HomeDir (libpq looks for ~/.postgresql). #>
    param([string] $HomeDir, [string] $Program, [string[]] $Arguments)
    $command = if (Get-PostgresUser) { @('setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', 'env', "HOME=$HomeDir", $Program) } else { @('env', "HOME=$HomeDir", $Program) }
    $output = & $command[0] @($command[1..($command.Count - 1)] + $Arguments) 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$(Split-Path -Leaf $Program) failed: $($output -join "`n")" }
    return $output
}

function Invoke-BaseBackup {
    <#
        deploy.ps1 backup: a base backup of the cluster from the primary, with pg_basebackup over TLS as the replication
        user (its password in the environment), into run/backup/base/{UTC time}/ in plain format (a data directory)
        with the WAL it needs streamed alongside, so it is consistent on its own. A record beside it says when it began
        and ended: a restore can only reach moments after a backup's end. Returns that record.
    #>
    param($Topology)
    $leader = Get-DatabaseLeader $Topology
    if (-not $leader) { throw 'No PostgreSQL primary answers; is the topology up?' }
    $folders = Initialize-BackupFolder $Topology
    $started = [DateTimeOffset]::UtcNow
    $name = $started.ToString('yyyyMMddTHHmmssZ')
    $target = Join-Path $folders.Base $name
    $tls = Join-Path (Get-DataDir $Topology $leader) 'tls'
    $conninfo = "host=127.0.0.1 port=$($leader.Port) user=replicator sslmode=verify-full sslrootcert=$(Join-Path $tls 'ca.crt')"
    $env:PGPASSWORD = (Get-DatabasePasswords $Topology).Replication
    $clock = [Diagnostics.Stopwatch]::StartNew()
    try {
        Invoke-AsPostgres $folders.Base "$script:PostgresBin/pg_basebackup" @('-d', $conninfo, '-D', $target, '-Fp', '-Xstream', '--checkpoint=fast', "--label=deploy $name") | Out-Null
    } finally { Remove-Item Env:PGPASSWORD }
    $record = [pscustomobject]@{
        Name = $name; Path = $target; From = $leader.Name; Started = $started.ToString('o'); Ended = [DateTimeOffset]::UtcNow.ToString('o')
        Seconds = [Math]::Round($clock.Elapsed.TotalSeconds, 1); Bytes = (Get-ChildItem -Recurse -File $target | Measure-Object Length -Sum).Sum
    }
    $record | ConvertTo-Json | Set-Content -Path "$target.json"
    return $record
}

function Get-BaseBackups {
    <# The base backups that finished, oldest first. #>
    param($Topology)
    $base = Join-Path (Get-BackupDir $Topology) 'base'
    if (-not (Test-Path $base)) { return @() }
    @(Get-ChildItem -Path $base -Filter '*.json' | Sort-Object Name | ForEach-Object { Get-Content $_.FullName -Raw | ConvertFrom-Json } |
        Where-Object { Test-Path $_.Path })
}

function Get-RestoreProcess($Topology) {
    [pscustomobject]@{ Name = 'postgres-restore'; Kind = 'postgres-restore'; Region = ''; Port = $Topology.BasePort + $script:RestorePortOffset }
}

function Restore-DatabaseCopy {
    <#
        Point-in-time recovery of a copy of the database into a temporary PostgreSQL on loopback (run/restore/, port
        +24), the members left alone: the newest base backup that ended before -Target is copied, and replays the
        archived WAL up to -Target (recovery_target_time: transactions that committed after it are not applied), then
        is promoted. It keeps the cluster's TLS (a member's certificate from the deployment CA) and its pg_hba.conf
        (hostssl and SCRAM only); it never archives (it must not write into the archive it reads) and waits for no
        synchronous standby. Returns where it listens and how long the copy and the replay took.
    #>
    param($Topology, [Parameter(Mandatory)] [DateTimeOffset] $Target)
    $folders = Initialize-BackupFolder $Topology
    $backup = Get-BaseBackups $Topology | Where-Object { [DateTimeOffset]::Parse($_.Ended) -lt $Target } | Select-Object -Last 1
    if (-not $backup) { throw "No base backup ended before $($Target.ToString('o')); take one with deploy.ps1 backup." }
    $process = Get-RestoreProcess $Topology
    Stop-DatabaseCopy $Topology
    $folder = Join-Path $Topology.RunDir 'restore'
    $data = Join-Path $folder 'data'
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    $clock = [Diagnostics.Stopwatch]::StartNew()
    cp -a $backup.Path $data
    if ($LASTEXITCODE -ne 0) { throw "Copying $($backup.Path) failed." }
    [IO.File]::WriteAllText((Join-Path $data 'recovery.signal'), '')
    # Left behind by the member it was copied from; this instance is no one's standby. A member that was a standby
    # keeps its recovery settings in postgresql.conf after its promotion (Patroni rewrites the file only on restart):
    # they go, or PostgreSQL sees an empty recovery_target_* beside ours as a second target and refuses to start.
    Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $data 'standby.signal')
    $configuration = Join-Path $data 'postgresql.conf'
    $kept = @(Get-Content $configuration | Where-Object { $_ -notmatch '^\s*(recovery_target\w*|primary_conninfo|primary_slot_name|restore_command|archive_cleanup_command|recovery_end_command|promote_trigger_file)\s*=' })
    Set-Content -Path $configuration -Value $kept
    $asUser = Get-PostgresUser
    if ($asUser) { chmod 755 $folder; chown -R "${asUser}:${asUser}" $folder }
    $copySeconds = $clock.Elapsed.TotalSeconds
    $targetText = $Target.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss.ffffff') + '+00'
    # Patroni's postgresql.conf came along with the data; what would tie the copy to the cluster is overridden here.
    $arguments = @(
        '-D', $data, '-c', "config_file=$(Join-Path $data 'postgresql.conf')", '-c', "port=$($process.Port)", '-c', 'listen_addresses=127.0.0.1',
        '-c', "unix_socket_directories=$folder", '-c', "hba_file=$(Join-Path $data 'pg_hba.conf')", '-c', "ident_file=$(Join-Path $data 'pg_ident.conf')",
        '-c', 'archive_mode=off', '-c', "restore_command=$($folders.RestoreScript) %f %p",
        '-c', "recovery_target_time=$targetText", '-c', 'recovery_target_action=promote',
        '-c', 'synchronous_standby_names=', '-c', 'primary_conninfo=', '-c', 'primary_slot_name=', '-c', 'cluster_name=restore',
        '-c', 'logging_collector=off'
    )
    Start-Managed $Topology $process "$script:PostgresBin/postgres" $arguments -AsUser $asUser | Out-Null
    $log = Get-LogFile $Topology $process
    Wait-Until -TimeoutSeconds 600 -What "the restored copy to replay to $targetText and be promoted (log: $log)" {
        if (-not (Get-RunningPid $Topology $process)) { throw "The restored copy stopped: $((Get-Content $log -Tail 15) -join "`n")" }
        try { (Invoke-PsqlAt $Topology $process.Port -Sql 'SELECT pg_is_in_recovery()') -eq 'f' } catch { $false }
    }
    [pscustomobject]@{
        Port = $process.Port; Backup = $backup; Target = $Target
        CopySeconds = [Math]::Round($copySeconds, 1); ReplaySeconds = [Math]::Round($clock.Elapsed.TotalSeconds - $copySeconds, 1)
        Bytes = (Get-ChildItem -Recurse -File $data | Measure-Object Length -Sum).Sum
    }
}

function Stop-DatabaseCopy {
    <# Stops the restored copy (SIGINT: PostgreSQL's fast shutdown) and deletes its folder. #>
    param($Topology)
    Stop-Managed $Topology (Get-RestoreProcess $Topology) -Signal INT
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue (Join-Path $Topology.RunDir 'restore')
}

function Get-WalArchiveLag {
    <#
        How long the WAL holding a commit made just now waits before it is in the archive: the commit's segment, then
        the time until pg_stat_archiver has archived it (at most archive_timeout, or sooner when the segment fills).
        Everything committed in that window is what a loss of the primary's disk, standby included, would take from a
        point-in-time recovery: the recovery point.
    #>
    param($Topology, [int] $TimeoutSeconds = 120)
    $segment = Invoke-Psql $Topology 'SELECT pg_walfile_name(pg_current_wal_lsn())'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Wait-Until -TimeoutSeconds $TimeoutSeconds -What "WAL segment $segment to reach the archive" {
        [string]::CompareOrdinal((Invoke-Psql $Topology "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"), $segment) -ge 0
    }
    [pscustomobject]@{ Segment = $segment; Seconds = [Math]::Round($clock.Elapsed.TotalSeconds, 1); ArchiveTimeout = $script:ArchiveTimeoutSeconds }
}

#endregion

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

function Get-DatabaseListeners($Topology) {
    <# The TLS listeners of each member: PostgreSQL (TLS after its SSLRequest) and Patroni's REST API. #>
    foreach ($member in Get-Processes $Topology -Kind postgres) {
        [pscustomobject]@{ Name = "$($member.Name) (postgres)"; Process = $member; Port = $member.Port; StartTls = 'postgres' }
        [pscustomobject]@{ Name = "$($member.Name) (rest api)"; Process = $member; Port = $member.RestPort; StartTls = '' }
    }
}

function Update-DatabaseCertificates {
    <#
        New certificates for each running member, in place, without a restart: PostgreSQL's server certificate and
        Patroni's REST API certificate are reissued at the paths its configuration names (owned by postgres, which
        insists on owning its key), then Patroni gets SIGHUP. On SIGHUP Patroni reloads PostgreSQL (which rereads
        ssl_cert_file and ssl_key_file on reload, so new connections get the new certificate while open ones keep
        theirs) and, seeing a new serial on disk, rebuilds its REST API's TLS context (patroni 3.0,
        reload_local_certificate). Returns the issued certificates by listener name (Get-DatabaseListeners).
    #>
    param($Topology)
    $ca = New-DeploymentCa -Directory (Get-PkiDir $Topology)
    $asUser = Get-PostgresUser
    $issued = @{}
    try {
        foreach ($member in Get-Processes $Topology -Kind postgres) {
            $patroniPid = Get-RunningPid $Topology $member
            if (-not $patroniPid) { continue }
            $tls = Join-Path (Get-DataDir $Topology $member) 'tls'
            $issued["$($member.Name) (postgres)"] = New-ServiceCertificate -Ca $ca -Name $member.Name -Usage Server -Directory $tls -Owner $asUser
            $issued["$($member.Name) (rest api)"] = New-ServiceCertificate -Ca $ca -Name "$($member.Name)-api" -Usage ServerAndClient -Directory $tls -Owner $asUser
            kill -HUP $patroniPid
        }
    }
    finally { $ca.Certificate.Dispose() }
    return $issued
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
    Test-PatroniHealthy, Wait-SyncStandby, Invoke-Psql, Invoke-PsqlAt, Initialize-OriginDatabase, Stop-PatroniMemberAbruptly, `
    Invoke-BaseBackup, Get-BaseBackups, Restore-DatabaseCopy, Stop-DatabaseCopy, Get-WalArchiveLag, `
    Get-DatabaseListeners, Update-DatabaseCertificates
