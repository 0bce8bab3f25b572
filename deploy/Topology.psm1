# The topology as data: every process with its kind, region and ports, the folders each one owns under the run
# folder, and where each region sits on the map. Nothing here starts, stops or asks anything.

Set-StrictMode -Version Latest

function New-Topology {
    <# The whole topology as data: every process with its ports and folders. #>
    param(
        [Parameter(Mandatory)] [string] $RunDir,
        [Parameter(Mandatory)] [string[]] $Regions,
        [int] $EdgesPerRegion = 2,
        [int] $OriginNodes = 2,
        [int] $ControlPlanes = 2,
        [int] $EtcdMembers = 3,
        [int] $BasePort = 17000,
        [Parameter(Mandatory)] [string] $RepoRoot,
        # Each region's L2 as a Redis Cluster (three primaries, a replica each) instead of one Redis.
        [switch] $RedisCluster
    )
    $RunDir = [IO.Path]::GetFullPath($RunDir)
    $t = [ordered]@{
        RunDir = $RunDir
        RepoRoot = $RepoRoot
        Publish = Join-Path $RunDir 'publish'
        Regions = $Regions
        BasePort = $BasePort
        Secrets = $null
        Processes = [System.Collections.Generic.List[object]]::new()
    }

    # Ports: etcd clients +0.., etcd peers +10.., PostgreSQL +20.. (Patroni +25..), origins +30.. (the edges' listener,
    # mutual TLS) and +100.. (the tenants' listener), control planes +40.., region r: Redis +50+10r, its edges +51+10r...
    # With -RedisCluster, region r's six cluster nodes instead: clients +110+12r.., their cluster bus +116+12r.. (up to +169).
    $etcdCluster = (0..($EtcdMembers - 1) | ForEach-Object { "etcd-$_=https://127.0.0.1:$($BasePort + 10 + $_)" }) -join ','
    foreach ($i in 0..($EtcdMembers - 1)) {
        $t.Processes.Add([pscustomobject]@{
            Name = "etcd-$i"; Kind = 'etcd'; Region = ''; Port = $BasePort + $i; PeerPort = $BasePort + 10 + $i
            Cluster = $etcdCluster
        })
    }
    # PostgreSQL under Patroni: a primary and a synchronous standby, PostgreSQL on +20.., Patroni's REST API on +25..
    foreach ($i in 0..1) {
        $t.Processes.Add([pscustomobject]@{ Name = "postgres-$i"; Kind = 'postgres'; Region = ''; Port = $BasePort + 20 + $i; RestPort = $BasePort + 25 + $i })
    }
    foreach ($i in 0..($OriginNodes - 1)) {
        $t.Processes.Add([pscustomobject]@{ Name = "origin-$i"; Kind = 'origin'; Region = ''; Port = $BasePort + 30 + $i; TenantPort = $BasePort + 100 + $i })
    }
    foreach ($i in 0..($ControlPlanes - 1)) {
        $t.Processes.Add([pscustomobject]@{ Name = "control-plane-$i"; Kind = 'control-plane'; Region = ''; Port = $BasePort + 40 + $i })
    }
    for ($r = 0; $r -lt $Regions.Count; $r++) {
        $region = $Regions[$r]
        if ($RedisCluster) {
            foreach ($n in 0..5) {
                $t.Processes.Add([pscustomobject]@{
                    Name = "redis-$region-$n"; Kind = 'redis'; Region = $region; Port = $BasePort + 110 + 12 * $r + $n
                    Cluster = $true; BusPort = $BasePort + 116 + 12 * $r + $n
                })
            }
        } else {
            $t.Processes.Add([pscustomobject]@{ Name = "redis-$region"; Kind = 'redis'; Region = $region; Port = $BasePort + 50 + 10 * $r; Cluster = $false; BusPort = 0 })
        }
        foreach ($e in 0..($EdgesPerRegion - 1)) {
            $t.Processes.Add([pscustomobject]@{
                Name = "edge-$region-$e"; Kind = 'edge'; Region = $region; Port = $BasePort + 51 + 10 * $r + $e
                Pop = "$region-pop"
            })
        }
    }
    return [pscustomobject]$t
}

function Get-Processes {
    param($Topology, [string] $Kind, [string] $Region)
    $Topology.Processes | Where-Object { (-not $Kind -or $_.Kind -eq $Kind) -and (-not $Region -or $_.Region -eq $Region) }
}

function Get-PidFile($Topology, $Process) { Join-Path $Topology.RunDir 'pids' "$($Process.Name).pid" }
function Get-LogFile($Topology, $Process) { Join-Path $Topology.RunDir 'logs' "$($Process.Name).log" }
function Get-DataDir($Topology, $Process) { Join-Path $Topology.RunDir 'data' $Process.Name }

# Where each region is, and the loopback network whose clients are taken to live there: drills and status
# pretend to be a client of a region by asking for routes with an address from its network.
$script:RegionPlaces = @{
    'us-east' = @{ Latitude = 38.9; Longitude = -77.0; Network = '127.1.0.0/16'; Client = '127.1.0.10' }
    'eu-west' = @{ Latitude = 53.3; Longitude = -6.3; Network = '127.2.0.0/16'; Client = '127.2.0.10' }
    'ap-south' = @{ Latitude = 19.1; Longitude = 72.9; Network = '127.3.0.0/16'; Client = '127.3.0.10' }
    'us-west' = @{ Latitude = 37.4; Longitude = -122.1; Network = '127.4.0.0/16'; Client = '127.4.0.10' }
    'eu-central' = @{ Latitude = 50.1; Longitude = 8.7; Network = '127.5.0.0/16'; Client = '127.5.0.10' }
}

function Get-RegionPlace([string] $Region) {
    if ($script:RegionPlaces.ContainsKey($Region)) { return $script:RegionPlaces[$Region] }
    throw "Region '$Region' has no place on the map; known: $($script:RegionPlaces.Keys -join ', ')."
}

function Save-TopologyFile {
    <#
        run/topology.json: the processes and where each region's clients come from, for tools that act on a running
        topology without knowing how it was started (loadtests' control-plane measurements).
    #>
    param($Topology)
    New-Item -ItemType Directory -Force -Path $Topology.RunDir | Out-Null
    [ordered]@{
        processes = @($Topology.Processes | ForEach-Object { [ordered]@{ name = $_.Name; kind = $_.Kind; region = $_.Region; port = $_.Port } })
        regions = @($Topology.Regions | ForEach-Object { [ordered]@{ name = $_; client = (Get-RegionPlace $_).Client } })
    } | ConvertTo-Json -Depth 4 | Set-Content -Path (Join-Path $Topology.RunDir 'topology.json')
}

Export-ModuleMember -Function New-Topology, Get-Processes, Get-PidFile, Get-LogFile, Get-DataDir, Get-RegionPlace, Save-TopologyFile
