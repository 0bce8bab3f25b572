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
      drill     region-outage | origin-node | etcd-member | etcd-pause | redis | origin-db-primary: break something under traffic and report
      rotate-certs  a new certificate for every service, etcd member and Redis from the deployment CA, under traffic, without a restart

    Every process has its own port, log and pid file under the run folder (default ./run), and each secret its
    own file under run/secrets/ (mode 600); services receive secrets in their environment, never on their command
    line. Every service listens on HTTPS only, with a certificate of its own from the deployment CA under run/pki/
    (keys mode 600); the origin's edges' listener demands the edges' client certificates. Nothing listens beyond loopback, and nothing is installed: the Debian packages it needs are named when
    missing.

.EXAMPLE
    dotnet pwsh ./deploy.ps1 up
    dotnet pwsh ./deploy.ps1 status
    dotnet pwsh ./deploy.ps1 drill region-outage -Region eu-west
    dotnet pwsh ./deploy.ps1 down
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('up', 'down', 'status', 'rolling', 'drill', 'rotate-certs')]
    [string] $Command = 'status',

    [Parameter(Position = 1)]
    [ValidateSet('', 'region-outage', 'origin-node', 'etcd-member', 'etcd-pause', 'redis', 'origin-db-primary')]
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

    # First port of the block the topology uses (about 110 ports: the origins' tenants' listeners sit at +100..).
    [ValidateRange(1024, 65000)] [int] $BasePort = 17000,

    # Skip `dotnet publish` (use what is in the run folder).
    [switch] $NoBuild,

    # How long a drill runs traffic, in seconds.
    [ValidateRange(5, 600)] [int] $DrillSeconds = 20,

    # region-outage: the seconds within which routing must exclude the dead PoP; 0 reports the time only.
    [ValidateRange(0, 600)] [int] $ExclusionPromise = 6
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'Continue'

# `-Regions us-east,eu-west` arrives as one string when the script runs with -File.
$Regions = @($Regions | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

Import-Module (Join-Path $PSScriptRoot 'deploy' 'EdgeImages.Deploy.psm1') -Force

$topology = New-Topology -RunDir $RunDir -Regions $Regions -EdgesPerRegion $EdgesPerRegion `
    -OriginNodes $OriginNodes -ControlPlanes $ControlPlanes -BasePort $BasePort -RepoRoot $PSScriptRoot

# HTTPS calls from here on trust this topology's CA alone (once up has made it).
Use-DeploymentTrust -Topology $topology

switch ($Command) {
    'rotate-certs' { Invoke-RotateCertificates -Topology $topology }
    'up' { Invoke-Up -Topology $topology -NoBuild:$NoBuild }
    'down' { Invoke-Down -Topology $topology }
    'status' { Invoke-Status -Topology $topology }
    'rolling' { Invoke-Rolling -Topology $topology -NoBuild:$NoBuild }
    'drill' {
        if (-not $Drill) { throw "Name a drill: region-outage, origin-node, etcd-member, etcd-pause, redis or origin-db-primary." }
        $ok = Invoke-Drill -Topology $topology -Name $Drill -Region $Region -Seconds $DrillSeconds -ExclusionPromise $ExclusionPromise
        if (-not $ok) { exit 1 }
    }
}
