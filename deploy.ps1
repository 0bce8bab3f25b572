#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The whole EdgeImages topology on one machine: up, status, down, rolling deploys and failure drills.

.DESCRIPTION
    Run with the repository's PowerShell tool:  dotnet tool restore; dotnet pwsh ./deploy.ps1 up

      up        build, publish and start everything on 127.0.0.1 (idempotent: what runs is left alone)
      status    processes, health, routes and hit ratios as tables
      down      stop exactly the processes `up` started, by the PIDs it recorded
      rolling   replace the edges one at a time: drain, wait, stop, start the new build, wait healthy, undrain
      drill     region-outage | origin-node | etcd-member | etcd-pause | redis | redis-primary | origin-db-primary: break something under traffic and report;
                restore-original: delete an original by mistake and bring it back from the backups as it was at a chosen moment
      backup    a base backup of the origin's database into run/backup/base/ (up takes the first; WAL is archived continuously)
      rotate-certs  a new certificate for every service, etcd member and Redis from the deployment CA, under traffic, without a restart

    Every process has its own port, log and pid file under the run folder (default ./run), and each secret its
    own file under run/secrets/ (mode 600); services receive secrets in their environment, never on their command
    line. Every service listens on HTTPS only, with a certificate of its own from the deployment CA under run/pki/
    (keys mode 600); the origin's edges' listener demands the edges' client certificates. Nothing listens beyond loopback, and nothing is installed: the Debian packages it needs are named when
    missing.

    up -RedisCluster runs each region's L2 as a Redis Cluster (three primaries and a replica each) instead of one Redis;
    the run folder remembers it (run/redis-cluster), so later commands on that folder need not repeat it. The drill
    redis-primary kills one primary of a region's cluster under traffic and reports how long L2 missed.

.EXAMPLE
    dotnet pwsh ./deploy.ps1 up
    dotnet pwsh ./deploy.ps1 status
    dotnet pwsh ./deploy.ps1 drill region-outage -Region eu-west
    dotnet pwsh ./deploy.ps1 down
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('up', 'down', 'status', 'rolling', 'drill', 'rotate-certs', 'backup')]
    [string] $Command = 'status',

    [Parameter(Position = 1)]
    [ValidateSet('', 'region-outage', 'origin-node', 'etcd-member', 'etcd-pause', 'redis', 'redis-primary', 'origin-db-primary', 'restore-original')]
    [string] $Drill = '',

    # The region a drill breaks.
    [string] $Region = 'eu-west',

    # Where pid files, logs, data, published builds and secrets (run/secrets/, one file each) live.
    [string] $RunDir = (Join-Path $PSScriptRoot 'run'),

    # Regions and their edges; the test suite starts a smaller topology through the same code.
    [string[]] $Regions = @('us-east', 'eu-west', 'ap-south'),
    [ValidateRange(1, 9)] [int] $EdgesPerRegion = 2,
    [ValidateRange(1, 9)] [int] $OriginNodes = 2,
    [ValidateRange(1, 9)] [int] $ControlPlanes = 2,

    # First port of the block the topology uses (about 110 ports: the origins' tenants' listeners sit at +100..; with
    # -RedisCluster up to 170, the cluster nodes at +110..+169).
    [ValidateRange(1024, 65000)] [int] $BasePort = 17000,

    # Skip `dotnet publish` (use what is in the run folder).
    [switch] $NoBuild,

    # How long a drill runs traffic, in seconds.
    [ValidateRange(5, 600)] [int] $DrillSeconds = 20,

    # region-outage: the seconds within which routing must exclude the dead PoP; 0 reports the time only.
    [ValidateRange(0, 600)] [int] $ExclusionPromise = 6,

    # up: each region's L2 as a Redis Cluster (six nodes) instead of one Redis; remembered in the run folder.
    [switch] $RedisCluster
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'Continue'

# `-Regions us-east,eu-west` arrives as one string when the script runs with -File.
$Regions = @($Regions | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

Import-Module (Join-Path $PSScriptRoot 'deploy' 'EdgeImages.Deploy.psm1') -Force

# The run folder remembers that its regions' L2 is a cluster: down, status and drills must see the same processes.
$clusterMark = Join-Path $RunDir 'redis-cluster'
if ($RedisCluster -and $Command -eq 'up') {
    New-Item -ItemType Directory -Force -Path $RunDir | Out-Null
    New-Item -ItemType File -Force -Path $clusterMark | Out-Null
}
$RedisCluster = $RedisCluster -or (Test-Path $clusterMark)

$topology = New-Topology -RunDir $RunDir -Regions $Regions -EdgesPerRegion $EdgesPerRegion `
    -OriginNodes $OriginNodes -ControlPlanes $ControlPlanes -BasePort $BasePort -RepoRoot $PSScriptRoot -RedisCluster:$RedisCluster

# HTTPS calls from here on trust this topology's CA alone (once up has made it).
Use-DeploymentTrust -Topology $topology

switch ($Command) {
    'rotate-certs' { Invoke-RotateCertificates -Topology $topology }
    'up' {
        Invoke-Up -Topology $topology -NoBuild:$NoBuild
        # Point-in-time recovery starts at a base backup: the first is taken with the cluster, the WAL archive runs since.
        if (-not (Get-BaseBackups $topology)) { $backup = Invoke-BaseBackup $topology; Write-Host "Base backup $($backup.Name) taken ($($backup.Seconds) s)" }
    }
    'backup' {
        $backup = Invoke-BaseBackup $topology
        Write-Host ('Base backup {0} of {1}: {2:N1} MB in {3} s, at {4}' -f $backup.Name, $backup.From, ($backup.Bytes / 1MB), $backup.Seconds, $backup.Path)
    }
    'down' { Invoke-Down -Topology $topology }
    'status' { Invoke-Status -Topology $topology }
    'rolling' { Invoke-Rolling -Topology $topology -NoBuild:$NoBuild }
    'drill' {
        if (-not $Drill) { throw "Name a drill: region-outage, origin-node, etcd-member, etcd-pause, redis, redis-primary, origin-db-primary or restore-original." }
        $ok = Invoke-Drill -Topology $topology -Name $Drill -Region $Region -Seconds $DrillSeconds -ExclusionPromise $ExclusionPromise
        if (-not $ok) { exit 1 }
    }
}
