# The machinery behind deploy.ps1: the topology as data, and processes started, checked and stopped by the PIDs
# recorded for them. Kept apart from deploy.ps1 so that the test suite's smaller topology runs the same code.

Set-StrictMode -Version Latest

$script:PostgresBin = '/usr/lib/postgresql/15/bin'

#region Topology

function New-Topology {
    <# The whole topology as data: every process with its ports, folders, command line and health probe. #>
    param(
        [Parameter(Mandatory)] [string] $RunDir,
        [Parameter(Mandatory)] [string[]] $Regions,
        [int] $EdgesPerRegion = 2,
        [int] $OriginNodes = 2,
        [int] $ControlPlanes = 2,
        [int] $EtcdMembers = 3,
        [int] $BasePort = 17000,
        [Parameter(Mandatory)] [string] $RepoRoot
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

    # Ports: etcd clients +0.., etcd peers +10.., PostgreSQL +20, origins +30.., control planes +40..,
    # region r: Redis +50+10r, its edges +51+10r...
    $etcdCluster = (0..($EtcdMembers - 1) | ForEach-Object { "etcd-$_=http://127.0.0.1:$($BasePort + 10 + $_)" }) -join ','
    foreach ($i in 0..($EtcdMembers - 1)) {
        $t.Processes.Add([pscustomobject]@{
            Name = "etcd-$i"; Kind = 'etcd'; Region = ''; Port = $BasePort + $i; PeerPort = $BasePort + 10 + $i
            Cluster = $etcdCluster
        })
    }
    $t.Processes.Add([pscustomobject]@{ Name = 'postgres'; Kind = 'postgres'; Region = ''; Port = $BasePort + 20 })
    foreach ($i in 0..($OriginNodes - 1)) {
        $t.Processes.Add([pscustomobject]@{ Name = "origin-$i"; Kind = 'origin'; Region = ''; Port = $BasePort + 30 + $i })
    }
    foreach ($i in 0..($ControlPlanes - 1)) {
        $t.Processes.Add([pscustomobject]@{ Name = "control-plane-$i"; Kind = 'control-plane'; Region = ''; Port = $BasePort + 40 + $i })
    }
    for ($r = 0; $r -lt $Regions.Count; $r++) {
        $region = $Regions[$r]
        $t.Processes.Add([pscustomobject]@{ Name = "redis-$region"; Kind = 'redis'; Region = $region; Port = $BasePort + 50 + 10 * $r })
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

#endregion

#region Secrets

function Get-Secrets {
    <# Secrets this topology made for itself on its first `up`, kept (mode 600) in the run folder. #>
    param($Topology)
    if ($Topology.Secrets) { return $Topology.Secrets }
    $file = Join-Path $Topology.RunDir 'secrets.json'
    if (Test-Path $file) {
        $Topology.Secrets = Get-Content $file -Raw | ConvertFrom-Json
        return $Topology.Secrets
    }
    New-Item -ItemType Directory -Force -Path $Topology.RunDir | Out-Null
    $secrets = [pscustomobject]@{
        SigningKeyId = 'deploy'
        SigningKey = New-RandomHex 32
        EdgeAdminToken = New-RandomHex 24
        OriginAdminToken = New-RandomHex 24
        OriginEdgeCredential = New-RandomHex 24
        ControlPlaneMasterKey = New-RandomHex 32
        ControlPlaneAdminKey = New-RandomHex 24
        TenantApiKey = ''
    }
    Save-Secrets -Topology $Topology -Secrets $secrets
    return $secrets
}

function Save-Secrets {
    param($Topology, $Secrets)
    $file = Join-Path $Topology.RunDir 'secrets.json'
    $Secrets | ConvertTo-Json | Set-Content -Path $file -NoNewline
    if ($IsLinux) { chmod 600 $file }
    $Topology.Secrets = $Secrets
}

function New-RandomHex([int] $Bytes) {
    [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes($Bytes)).ToLowerInvariant()
}

#endregion

#region Processes

function Get-PidFile($Topology, $Process) { Join-Path $Topology.RunDir 'pids' "$($Process.Name).pid" }
function Get-LogFile($Topology, $Process) { Join-Path $Topology.RunDir 'logs' "$($Process.Name).log" }
function Get-DataDir($Topology, $Process) { Join-Path $Topology.RunDir 'data' $Process.Name }

function Get-StartTicks([int] $ProcessId) {
    # Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. With the PID it names one
    # process for good, so a recycled PID is never mistaken for ours.
    $stat = Get-Content "/proc/$ProcessId/stat" -Raw -ErrorAction SilentlyContinue
    if (-not $stat) { return $null }
    $afterName = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    return $afterName[19]
}

function Get-RunningPid {
    <# The recorded PID when that very process is still alive, else $null. #>
    param($Topology, $Process)
    $file = Get-PidFile $Topology $Process
    if (-not (Test-Path $file)) { return $null }
    $recorded, $ticks = (Get-Content $file -Raw).Trim().Split(' ')
    $state = Get-Content "/proc/$recorded/stat" -Raw -ErrorAction SilentlyContinue
    if ($state -and (Get-StartTicks $recorded) -eq $ticks -and $state -notmatch '\) Z ') { return [int]$recorded }
    return $null
}

function Start-Managed {
    <# Starts one process detached, its output appended to its log, and records PID and start time. #>
    param($Topology, $Process, [string] $FilePath, [string[]] $Arguments, [string] $AsUser)
    New-Item -ItemType Directory -Force -Path (Join-Path $Topology.RunDir 'pids'), (Join-Path $Topology.RunDir 'logs') | Out-Null
    $log = Get-LogFile $Topology $Process
    $quoted = (@($FilePath) + $Arguments | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    if ($AsUser -and (id -u) -eq '0') {
        # setpriv execs in place (unlike runuser, which stays as a parent), so the PID is the server's own.
        $quoted = "setpriv --reuid=$AsUser --regid=$AsUser --init-groups $quoted"
    }
    # Non-interactive bash has no job control, so the background job is no group leader and setsid execs in
    # place: $! is the server's PID, and the new session keeps it alive after this script exits.
    $processId = bash -c "setsid $quoted >> '$log' 2>&1 < /dev/null & echo `$!"
    Start-Sleep -Milliseconds 50
    "$processId $(Get-StartTicks $processId)" | Set-Content -Path (Get-PidFile $Topology $Process) -NoNewline
    return [int]$processId
}

function Stop-Managed {
    <# Stops one recorded process: a polite signal, a grace period, then SIGKILL. Never touches another PID. #>
    param($Topology, $Process, [string] $Signal = 'TERM', [int] $GraceSeconds = 15)
    $processId = Get-RunningPid $Topology $Process
    if ($processId) {
        kill "-$Signal" $processId 2>$null
        $deadline = [DateTime]::UtcNow.AddSeconds($GraceSeconds)
        while ((Get-RunningPid $Topology $Process) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        if (Get-RunningPid $Topology $Process) { kill -KILL $processId 2>$null; Start-Sleep -Milliseconds 200 }
    }
    Remove-Item -Force -ErrorAction SilentlyContinue (Get-PidFile $Topology $Process)
}

function Stop-Abruptly {
    <# A crash, for drills: SIGKILL to the recorded process, no grace. #>
    param($Topology, $Process)
    $processId = Get-RunningPid $Topology $Process
    if ($processId) { kill -KILL $processId 2>$null }
    Remove-Item -Force -ErrorAction SilentlyContinue (Get-PidFile $Topology $Process)
}

#endregion

#region Health

function Test-Http([string] $Url, [int] $TimeoutMs = 1500) {
    try {
        $client = [Net.Http.HttpClient]::new()
        $client.Timeout = [TimeSpan]::FromMilliseconds($TimeoutMs)
        $response = $client.GetAsync($Url).GetAwaiter().GetResult()
        return [int]$response.StatusCode
    } catch { return 0 } finally { if ($client) { $client.Dispose() } }
}

function Test-Healthy {
    <# One probe of a process's health, as its own kind of server understands it. #>
    param($Topology, $Process)
    switch ($Process.Kind) {
        'etcd' { return (Test-Http "http://127.0.0.1:$($Process.Port)/health") -eq 200 }
        'postgres' { & "$script:PostgresBin/pg_isready" -q -h 127.0.0.1 -p $Process.Port 2>$null; return $LASTEXITCODE -eq 0 }
        'redis' { return (redis-cli -h 127.0.0.1 -p $Process.Port ping 2>$null) -eq 'PONG' }
        default { return (Test-Http "http://127.0.0.1:$($Process.Port)/healthz") -eq 200 }
    }
}

function Wait-Healthy {
    param($Topology, $Process, [int] $TimeoutSeconds = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (Test-Healthy $Topology $Process) { return }
        if (-not (Get-RunningPid $Topology $Process)) {
            $tail = Get-Content (Get-LogFile $Topology $Process) -Tail 20 -ErrorAction SilentlyContinue
            throw "$($Process.Name) exited during start-up. Last lines of its log:`n$($tail -join "`n")"
        }
        Start-Sleep -Milliseconds 200
    }
    throw "$($Process.Name) did not become healthy within $TimeoutSeconds s; see $(Get-LogFile $Topology $Process)."
}

#endregion

#region Starting each kind

function Publish-Services {
    param($Topology)
    $projects = [ordered]@{
        edge = 'edge/EdgeImages.Edge.csproj'
        origin = 'origin/EdgeImages.Origin.csproj'
        'control-plane' = 'control-plane/EdgeImages.ControlPlane.csproj'
        cli = 'sdk/cli/EdgeImages.Cli.csproj'
    }
    $i = 0
    foreach ($name in @($projects.Keys)) {
        if (-not (Test-Path (Join-Path $Topology.RepoRoot $projects[$name]))) { $projects.Remove($name) }
    }
    foreach ($name in $projects.Keys) {
        $i++
        Write-Progress -Activity 'Publishing (Release)' -Status $name -PercentComplete (100 * $i / ($projects.Count + 1))
        Write-Host "  publishing $name"
        $output = dotnet publish (Join-Path $Topology.RepoRoot $projects[$name]) -c Release -o (Join-Path $Topology.Publish $name) -nologo -v quiet 2>&1
        if ($LASTEXITCODE -ne 0) { throw "dotnet publish $name failed:`n$($output -join "`n")" }
    }
    Write-Progress -Activity 'Publishing (Release)' -Completed
}

function Start-Etcd($Topology, $Process) {
    $data = Get-DataDir $Topology $Process
    # etcd would create missing parents mode 700, locking the postgres user out of the shared data folder.
    New-Item -ItemType Directory -Force -Path (Split-Path $data) | Out-Null
    Start-Managed $Topology $Process '/usr/bin/etcd' @(
        '--name', $Process.Name, '--data-dir', $data,
        '--listen-client-urls', "http://127.0.0.1:$($Process.Port)", '--advertise-client-urls', "http://127.0.0.1:$($Process.Port)",
        '--listen-peer-urls', "http://127.0.0.1:$($Process.PeerPort)", '--initial-advertise-peer-urls', "http://127.0.0.1:$($Process.PeerPort)",
        '--initial-cluster', $Process.Cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'edgeimages',
        '--heartbeat-interval', '100', '--election-timeout', '1000') | Out-Null
}

function Start-Postgres($Topology, $Process) {
    $data = Get-DataDir $Topology $Process
    $sockets = Join-Path $data 'sockets'
    $asUser = if ((id -u) -eq '0') { 'postgres' } else { '' }
    # The postgres user must reach its folder: the run folder may have been made private (mode 700).
    if ($asUser) { chmod 755 $Topology.RunDir (Split-Path $data) }
    if (-not (Test-Path (Join-Path $data 'cluster' 'PG_VERSION'))) {
        New-Item -ItemType Directory -Force -Path $sockets | Out-Null
        if ($asUser) { chown -R "${asUser}:${asUser}" $data }
        $init = @("$script:PostgresBin/initdb", '-D', (Join-Path $data 'cluster'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8')
        if ($asUser) { $init = @('setpriv', "--reuid=$asUser", "--regid=$asUser", '--init-groups') + $init }
        $output = & $init[0] $init[1..($init.Count - 1)] 2>&1
        if ($LASTEXITCODE -ne 0) { throw "initdb failed:`n$($output -join "`n")" }
    }
    Start-Managed $Topology $Process "$script:PostgresBin/postgres" @(
        '-D', (Join-Path $data 'cluster'), '-p', "$($Process.Port)", '-k', $sockets,
        '-c', 'listen_addresses=127.0.0.1', '-c', 'synchronous_commit=on', '-c', 'max_connections=300') -AsUser $asUser | Out-Null
}

function Initialize-OriginDatabase($Topology, $Process) {
    $exists = & "$script:PostgresBin/psql" -h 127.0.0.1 -p $Process.Port -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'edgeimages'" 2>&1
    if ("$exists".Trim() -ne '1') {
        & "$script:PostgresBin/psql" -h 127.0.0.1 -p $Process.Port -U postgres -c 'CREATE DATABASE edgeimages' 2>&1 | Out-Null
    }
}

function Start-Redis($Topology, $Process) {
    $data = Get-DataDir $Topology $Process
    New-Item -ItemType Directory -Force -Path $data | Out-Null
    Start-Managed $Topology $Process '/usr/bin/redis-server' @(
        '--port', "$($Process.Port)", '--bind', '127.0.0.1', '--dir', $data, '--save', '', '--appendonly', 'no',
        '--protected-mode', 'no', '--maxmemory', '256mb', '--maxmemory-policy', 'allkeys-lru') | Out-Null
}

function Start-Dotnet($Topology, $Process, [string] $Service, [hashtable] $Settings) {
    $dll = Get-ChildItem (Join-Path $Topology.Publish $Service) -Filter 'EdgeImages.*.dll' |
        Where-Object { Test-Path ([IO.Path]::ChangeExtension($_.FullName, '.runtimeconfig.json')) } | Select-Object -First 1
    if (-not $dll) { throw "No published $Service in $($Topology.Publish); run up without -NoBuild." }
    $arguments = @($dll.FullName, '--urls', "http://127.0.0.1:$($Process.Port)", '--environment', 'Production', '--contentRoot', $dll.DirectoryName)
    foreach ($key in $Settings.Keys) { $arguments += "--$key=$($Settings[$key])" }
    Start-Managed $Topology $Process 'dotnet' $arguments | Out-Null
}

function Get-OriginSettings($Topology) {
    $secrets = Get-Secrets $Topology
    $postgres = Get-Processes $Topology -Kind postgres | Select-Object -First 1
    @{
        'Origin:Database:ConnectionString' = "Host=127.0.0.1;Port=$($postgres.Port);Username=postgres;Database=edgeimages"
        'Origin:EdgeCredentials:edges' = $secrets.OriginEdgeCredential
        'Origin:AdminToken' = $secrets.OriginAdminToken
    }
}

function Get-EtcdEndpoints($Topology) {
    (Get-Processes $Topology -Kind etcd | ForEach-Object { "http://127.0.0.1:$($_.Port)" }) -join ','
}

function Get-ControlPlaneSettings($Topology, $Process) {
    $secrets = Get-Secrets $Topology
    $settings = @{
        'Etcd:Endpoints' = Get-EtcdEndpoints $Topology
        'Secrets:MasterKey' = $secrets.ControlPlaneMasterKey
        'Admin:BootstrapKey' = $secrets.ControlPlaneAdminKey
        'Leadership:ReplicaId' = $Process.Name
    }
    # The leader probes the origin nodes too.
    foreach ($origin in Get-Processes $Topology -Kind origin) {
        $settings["Leadership:Origins:$($origin.Name)"] = "http://127.0.0.1:$($origin.Port)/readyz"
    }
    # The CIDR table: each region's loopback network is where its clients live.
    $i = 0
    foreach ($region in $Topology.Regions) {
        $place = Get-RegionPlace $region
        $settings["Routing:Networks:${i}:Cidr"] = $place.Network
        $settings["Routing:Networks:${i}:Latitude"] = $place.Latitude
        $settings["Routing:Networks:${i}:Longitude"] = $place.Longitude
        $i++
    }
    return $settings
}

function Get-EdgeSettings($Topology, $Process) {
    $secrets = Get-Secrets $Topology
    $redis = Get-Processes $Topology -Kind redis -Region $Process.Region | Select-Object -First 1
    $settings = @{
        "Signing:Keys:$($secrets.SigningKeyId)" = $secrets.SigningKey
        "Signing:KeyTenants:$($secrets.SigningKeyId)" = 'demo'
        'Signing:ActiveKey' = $secrets.SigningKeyId
        'Caching:Redis' = "127.0.0.1:$($redis.Port)"
        'Origin:Credential' = $secrets.OriginEdgeCredential
        'Admin:Token' = $secrets.EdgeAdminToken
        'ControlPlane:Etcd' = Get-EtcdEndpoints $Topology
        'ControlPlane:Region' = $Process.Region
        'ControlPlane:Pop' = $Process.Pop
        'ControlPlane:EdgeId' = $Process.Name
        'ControlPlane:PublicAddress' = "http://127.0.0.1:$($Process.Port)"
        'ControlPlane:MasterKey' = $secrets.ControlPlaneMasterKey
        'ControlPlane:StateFile' = Join-Path (Get-DataDir $Topology $Process) 'last-known-good.json'
    }
    foreach ($origin in Get-Processes $Topology -Kind origin) {
        $settings["Origin:Destinations:$($origin.Name)"] = "http://127.0.0.1:$($origin.Port)"
    }
    New-Item -ItemType Directory -Force -Path (Get-DataDir $Topology $Process) | Out-Null
    return $settings
}

function Start-Process-Of-Kind {
    param($Topology, $Process)
    switch ($Process.Kind) {
        'etcd' { Start-Etcd $Topology $Process }
        'postgres' { Start-Postgres $Topology $Process }
        'redis' { Start-Redis $Topology $Process }
        'origin' { Start-Dotnet $Topology $Process 'origin' (Get-OriginSettings $Topology) }
        'control-plane' { Start-Dotnet $Topology $Process 'control-plane' (Get-ControlPlaneSettings $Topology $Process) }
        'edge' { Start-Dotnet $Topology $Process 'edge' (Get-EdgeSettings $Topology $Process) }
    }
}

function Start-IfStopped {
    <# The idempotent heart of `up`: a process that runs is left alone; one that does not is started and awaited. #>
    param($Topology, $Process)
    if (Get-RunningPid $Topology $Process) {
        Write-Host ("  {0,-22} already running" -f $Process.Name)
        return
    }
    Start-Process-Of-Kind $Topology $Process
    Wait-Healthy $Topology $Process
    Write-Host ("  {0,-22} started on 127.0.0.1:{1}" -f $Process.Name, $Process.Port)
}

#endregion

#region Seeding

function Invoke-Api {
    param([string] $Method, [string] $Url, [string] $Token, $Body, [string] $ContentType = 'application/json')
    $headers = @{}
    if ($Token) { $headers['Authorization'] = "Bearer $Token" }
    $parameters = @{ Method = $Method; Uri = $Url; Headers = $headers; SkipHttpErrorCheck = $true; StatusCodeVariable = 'status' }
    if ($null -ne $Body) {
        # Assigned in each branch: an `if` expression would unroll a byte[] into an object[] of numbers.
        if ($Body -is [byte[]]) { $parameters['Body'] = $Body } else { $parameters['Body'] = $Body | ConvertTo-Json -Depth 6 }
        $parameters['ContentType'] = $ContentType
    }
    $response = Invoke-RestMethod @parameters
    return [pscustomobject]@{ Status = $status; Body = $response }
}

function Initialize-DemoTenant {
    <# Tenant `demo` at the origin, with the quick start's sample images uploaded once. #>
    param($Topology)
    $secrets = Get-Secrets $Topology
    $origin = "http://127.0.0.1:$((Get-Processes $Topology -Kind origin | Select-Object -First 1).Port)"
    if (-not $secrets.TenantApiKey) {
        $created = Invoke-Api POST "$origin/v1/admin/tenants/demo/keys" $secrets.OriginAdminToken $null
        if ($created.Status -ne 201) { throw "Creating tenant demo at the origin answered $($created.Status)." }
        $secrets.TenantApiKey = $created.Body.key
        Save-Secrets $Topology $secrets
    }
    $samples = Join-Path $Topology.RepoRoot 'edge' 'originals' 'demo'
    foreach ($file in Get-ChildItem $samples -Recurse -File) {
        $path = [IO.Path]::GetRelativePath($samples, $file.FullName).Replace('\', '/')
        $present = Test-Http "$origin/v1/demo/$path"
        if ($present -eq 401 -or $present -eq 404 -or $present -eq 0) {
            $put = Invoke-Api PUT "$origin/v1/demo/$path" $secrets.TenantApiKey ([IO.File]::ReadAllBytes($file.FullName)) 'application/octet-stream'
            if ($put.Status -ne 201) { throw "Uploading demo/$path answered $($put.Status)." }
        }
    }
}

#endregion

#region Commands

function Invoke-Up {
    param($Topology, [switch] $NoBuild)
    $missing = @('/usr/bin/etcd', "$script:PostgresBin/postgres", '/usr/bin/redis-server') | Where-Object { -not (Test-Path $_) }
    if ($missing) {
        throw "Missing: $($missing -join ', '). Install the Debian packages: apt-get install etcd-server postgresql redis-server"
    }
    $started = [Diagnostics.Stopwatch]::StartNew()
    Write-Host "EdgeImages up: $($Topology.Regions.Count) regions, run folder $($Topology.RunDir)"
    Get-Secrets $Topology | Out-Null
    if (-not $NoBuild) { Write-Host 'Building'; Publish-Services $Topology }

    $order = 'etcd', 'postgres', 'origin', 'control-plane', 'redis', 'edge'
    $all = @($order | ForEach-Object { Get-Processes $Topology -Kind $_ })
    $n = 0
    foreach ($kind in $order) {
        Write-Host "Starting $kind"
        foreach ($process in Get-Processes $Topology -Kind $kind) {
            $n++
            Write-Progress -Activity 'Starting the topology' -Status $process.Name -PercentComplete (100 * $n / $all.Count)
            if ($kind -eq 'etcd') {
                # Members of a new cluster wait for each other: start them all, then wait for health.
                if (-not (Get-RunningPid $Topology $process)) { Start-Etcd $Topology $process }
                continue
            }
            Start-IfStopped $Topology $process
            if ($kind -eq 'postgres') { Initialize-OriginDatabase $Topology $process }
        }
        if ($kind -eq 'etcd') { Get-Processes $Topology -Kind etcd | ForEach-Object { Wait-Healthy $Topology $_ } }
        if ($kind -eq 'origin') { Initialize-DemoTenant $Topology }
        if ($kind -eq 'control-plane') { Initialize-ControlPlane $Topology }
    }
    Write-Progress -Activity 'Starting the topology' -Completed
    # Up means routable: every PoP's edges have registered and passed the leader's probes, so the clients of each
    # region are sent home first. On a loaded machine that can lag the processes' own health by a few seconds.
    Write-Host 'Waiting for routing to send every region its own PoP first'
    foreach ($region in $Topology.Regions) {
        Wait-Until -TimeoutSeconds 60 -What "clients of $region to be routed to $region-pop first" {
            $pops = @(Get-Route $Topology $region)
            $pops.Count -gt 0 -and $pops[0].id -eq "$region-pop"
        }
    }
    Write-Host ("Up in {0:N1} s. Try: dotnet pwsh ./deploy.ps1 status" -f $started.Elapsed.TotalSeconds)
    $controlPlane = Get-Processes $Topology -Kind control-plane | Select-Object -First 1
    $edge = Get-Processes $Topology -Kind edge | Select-Object -First 1
    Write-Host "Operator dashboard: http://127.0.0.1:$($controlPlane.Port)/dashboard/"
    Write-Host "Demo page of an edge: http://127.0.0.1:$($edge.Port)/ (signed with this topology's key)"
}

function Invoke-Down {
    param($Topology)
    $order = 'edge', 'redis', 'control-plane', 'origin', 'postgres', 'etcd'
    foreach ($kind in $order) {
        foreach ($process in Get-Processes $Topology -Kind $kind) {
            if (Get-RunningPid $Topology $process) {
                Write-Host "  stopping $($process.Name)"
                # PostgreSQL: SIGINT is its fast shutdown; SIGTERM would wait for every client to leave.
                $signal = if ($kind -eq 'postgres') { 'INT' } else { 'TERM' }
                Stop-Managed $Topology $process -Signal $signal
            } else {
                Remove-Item -Force -ErrorAction SilentlyContinue (Get-PidFile $Topology $process)
            }
        }
    }
    Write-Host 'Down: every recorded process is stopped.'
}

function Invoke-Status {
    param($Topology)
    $rows = foreach ($process in $Topology.Processes) {
        $processId = Get-RunningPid $Topology $process
        [pscustomobject]@{
            Name = $process.Name
            Kind = $process.Kind
            Region = $process.Region
            Port = $process.Port
            PID = if ($processId) { $processId } else { '-' }
            State = if ($processId) { 'running' } else { 'stopped' }
            Health = if (-not $processId) { '-' } elseif (Test-Healthy $Topology $process) { 'healthy' } else { 'UNHEALTHY' }
        }
    }
    Write-Host 'Processes'
    $rows | Format-Table -AutoSize | Out-String | Write-Host
    Show-Routes $Topology
    Show-HitRatios $Topology
}

#endregion

#region Control plane

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

function Get-ControlPlaneUrl($Topology) {
    foreach ($process in Get-Processes $Topology -Kind control-plane) {
        if ((Test-Http "http://127.0.0.1:$($process.Port)/healthz") -eq 200) { return "http://127.0.0.1:$($process.Port)" }
    }
    return $null
}

function Initialize-ControlPlane {
    <# Regions and PoPs on the map, through the admin API (idempotent: PUT replaces). #>
    param($Topology)
    $secrets = Get-Secrets $Topology
    $url = Get-ControlPlaneUrl $Topology
    foreach ($region in $Topology.Regions) {
        $place = Get-RegionPlace $region
        $body = @{ name = $region; latitude = $place.Latitude; longitude = $place.Longitude }
        $answer = Invoke-Api PUT "$url/v1/regions/$region" $secrets.ControlPlaneAdminKey $body
        if ($answer.Status -ge 300) { throw "PUT /v1/regions/$region answered $($answer.Status)." }
        $pop = @{ region = $region; latitude = $place.Latitude; longitude = $place.Longitude }
        $answer = Invoke-Api PUT "$url/v1/pops/$region-pop" $secrets.ControlPlaneAdminKey $pop
        if ($answer.Status -ge 300) { throw "PUT /v1/pops/$region-pop answered $($answer.Status)." }
    }
}

function Get-Route {
    <# The PoPs the control plane would send a client of -Region to, nearest first (empty when it cannot say). #>
    param($Topology, [string] $Region, [string] $ControlPlane)
    $url = if ($ControlPlane) { $ControlPlane } else { Get-ControlPlaneUrl $Topology }
    if (-not $url) { return @() }
    $answer = Invoke-Api GET "$url/v1/route?ip=$((Get-RegionPlace $Region).Client)" $null $null
    if ($answer.Status -ne 200) { return @() }
    return @($answer.Body.pops)
}

function Show-Routes {
    param($Topology)
    $rows = foreach ($region in $Topology.Regions) {
        $pops = Get-Route $Topology $region
        [pscustomobject]@{ 'Client in' = $region; 'Routed to (nearest healthy first)' = (($pops | ForEach-Object { $_.id }) -join ' > ') }
    }
    Write-Host 'Routes'
    $rows | Format-Table -AutoSize | Out-String | Write-Host
}

#endregion

#region Traffic

function New-SignedPath {
    <# A signed image path, exactly as the SDK signs (the spec's first test vector is checked before any use). #>
    param([string] $KeyId, [string] $SecretHex, [string] $Options, [string] $Tenant, [string] $Path)
    $message = "/$Options/$Tenant/$Path"
    $mac = [Security.Cryptography.HMACSHA256]::HashData([Convert]::FromHexString($SecretHex), [Text.Encoding]::UTF8.GetBytes($message))
    $encoded = [Convert]::ToBase64String($mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_')
    return "/$KeyId.$encoded$message"
}

$vector = New-SignedPath 'k1' '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' 'w:400,h:300,fit:cover' 'acme' 'photos/cat.jpg'
if ($vector -ne '/k1.3x20xJtCsdXzaQdSocihgA/w:400,h:300,fit:cover/acme/photos/cat.jpg') {
    throw "deploy's URL signer disagrees with the spec's test vector: $vector"
}

function Get-TrafficPaths {
    <# A small catalogue of signed URLs over the demo tenant: a few hot variants and a long tail. #>
    param($Topology, [int] $Count = 60, [switch] $Cold)
    $secrets = Get-Secrets $Topology
    $images = 'photos/flower.jpg', 'photos/rose.jpg', 'photos/lake.webp', 'graphics/cutout.png'
    $paths = for ($i = 0; $i -lt $Count; $i++) {
        # Cold traffic never repeats a variant, so every request is a miss that reaches the origin.
        $width = if ($Cold) { 64 + $i } else { 100 + 20 * ($i % 15) }
        New-SignedPath $secrets.SigningKeyId $secrets.SigningKey "w:$width,f:jpeg" 'demo' $images[$i % $images.Count]
    }
    return @($paths)
}

function Invoke-Traffic {
    <#
        Requests for -Seconds as a client of -Region: each request goes to the first edge of the PoP routing names
        (routes re-asked every half second, as a short DNS TTL would), and every outcome is recorded.
        -OnTick runs once a second with the elapsed seconds, so a drill can break things mid-run.
    #>
    param($Topology, [string] $Region, [int] $Seconds, [scriptblock] $OnTick, [scriptblock] $OnRoute, [string] $Target, [switch] $Cold, [string] $StopFile)
    $paths = if ($Cold) { Get-TrafficPaths $Topology -Count 3000 -Cold } else { Get-TrafficPaths $Topology }
    $client = [Net.Http.HttpClient]::new()
    $client.Timeout = [TimeSpan]::FromSeconds(10)
    $results = [System.Collections.Generic.List[object]]::new()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $nextRoute = 0.0; $nextTick = 1; $base = $Target; $i = 0
    try {
        while ($clock.Elapsed.TotalSeconds -lt $Seconds -and -not ($StopFile -and (Test-Path $StopFile))) {
            if (-not $Target -and $clock.Elapsed.TotalSeconds -ge $nextRoute) {
                $pops = Get-Route $Topology $Region
                if ($OnRoute) { & $OnRoute $pops }
                $base = if ($pops.Count -gt 0) { $pops[0].edges[0].address.TrimEnd('/') } else { $null }
                $nextRoute = $clock.Elapsed.TotalSeconds + 0.5
            }
            if ($OnTick -and $clock.Elapsed.TotalSeconds -ge $nextTick) { & $OnTick $nextTick; $nextTick++ }
            $status = 0; $cache = ''
            if ($base) {
                try {
                    $response = $client.GetAsync($base + $paths[$i % $paths.Count]).GetAwaiter().GetResult()
                    $status = [int]$response.StatusCode
                    $cache = ($response.Headers.GetValues('X-Cache') | Select-Object -First 1)
                    $response.Dispose()
                } catch { $status = 0 }
            }
            $results.Add([pscustomobject]@{ At = $clock.Elapsed.TotalSeconds; Target = $base; Status = $status; Cache = $cache })
            $i++
            Start-Sleep -Milliseconds 20
        }
    } finally { $client.Dispose() }
    return $results
}

function Show-HitRatios {
    <# Each edge's own account of where its answers came from (its Prometheus counters). #>
    param($Topology)
    $rows = foreach ($edge in Get-Processes $Topology -Kind edge) {
        if (-not (Get-RunningPid $Topology $edge)) { continue }
        $metrics = try { (Invoke-WebRequest "http://127.0.0.1:$($edge.Port)/metrics" -TimeoutSec 2).Content } catch { '' }
        $byTier = @{}
        foreach ($line in $metrics -split "`n") {
            if ($line -match '^edgeimages_requests_total\{(?<labels>[^}]*)\} (?<value>[0-9.e+]+)') {
                $tier = if ($Matches.labels -match 'cache="(?<t>[^"]+)"') { $Matches.t.ToUpperInvariant() } else { 'NONE' }
                $byTier[$tier] = ($byTier[$tier] ?? 0) + [double]$Matches.value
            }
        }
        $total = ($byTier.Values | Measure-Object -Sum).Sum
        $hits = ($byTier['HIT-MEMORY'] ?? 0) + ($byTier['HIT-REDIS'] ?? 0)
        [pscustomobject]@{
            Edge = $edge.Name; Requests = [int]$total
            'HIT-MEMORY' = [int]($byTier['HIT-MEMORY'] ?? 0); 'HIT-REDIS' = [int]($byTier['HIT-REDIS'] ?? 0)
            MISS = [int]($byTier['MISS'] ?? 0); STALE = [int]($byTier['STALE'] ?? 0)
            'Hit ratio' = if ($total) { '{0:P0}' -f ($hits / $total) } else { '-' }
        }
    }
    Write-Host 'Hit ratios'
    $rows | Format-Table -AutoSize | Out-String | Write-Host
}

#endregion

#region Rolling deploys and drills

function Invoke-Rolling {
    <#
        Replaces the edges one at a time: drain its PoP at the control plane, wait until routes no longer name it
        and its in-flight requests are done (SIGTERM lets ASP.NET Core finish them), stop it, start it on the new
        build, wait until healthy, undrain. Returns the failed requests seen by traffic running meanwhile.
    #>
    param($Topology, [switch] $NoBuild)
    $secrets = Get-Secrets $Topology
    if (-not $NoBuild) {
        # The running build is kept as edge.previous: what a failed edge is rolled back to.
        $current = Join-Path $Topology.Publish 'edge'
        $previous = Join-Path $Topology.Publish 'edge.previous'
        if (Test-Path $current) { Remove-Item -Recurse -Force $previous -ErrorAction SilentlyContinue; Copy-Item -Recurse $current $previous }
        Write-Host 'Building the new release'
        Publish-Services $Topology
    }
    $url = Get-ControlPlaneUrl $Topology
    if (-not $url) { throw 'No control plane answers; rolling needs it to drain PoPs.' }
    $edges = @(Get-Processes $Topology -Kind edge)

    # Clients of every region keep asking while the edges are replaced; the roll promises them no failure.
    $stopFile = Join-Path $Topology.RunDir 'rolling.stop'
    Remove-Item -Force -ErrorAction SilentlyContinue $stopFile
    $module = (Get-Module EdgeImages.Deploy).Path
    $clients = foreach ($region in $Topology.Regions) {
        Start-ThreadJob -ArgumentList $module, $Topology, $region, $stopFile -ScriptBlock {
            param($module, $topology, $region, $stopFile)
            Import-Module $module
            & (Get-Module EdgeImages.Deploy) { param($t, $r, $f) Invoke-Traffic $t -Region $r -Seconds 3600 -StopFile $f } $topology $region $stopFile
        }
    }
    $n = 0
    foreach ($edge in $edges) {
        $n++
        Write-Progress -Activity 'Rolling the edges' -Status $edge.Name -PercentComplete (100 * $n / $edges.Count)
        Write-Host "  $($edge.Name): drain $($edge.Pop)"
        $answer = Invoke-Api POST "$url/v1/pops/$($edge.Pop)/drain" $secrets.ControlPlaneAdminKey $null
        if ($answer.Status -ge 300) { throw "Draining $($edge.Pop) answered $($answer.Status)." }
        Wait-Until -TimeoutSeconds 15 -What "routes to leave $($edge.Pop)" {
            -not (Get-Route $Topology $edge.Region | Where-Object { $_.id -eq $edge.Pop })
        }
        # Clients may hold a route for its half-second lifetime; then SIGTERM waits for what is in flight.
        Start-Sleep -Milliseconds 700
        Stop-Managed $Topology $edge -Signal TERM -GraceSeconds 30
        try {
            Start-IfStopped $Topology $edge
        } catch {
            Write-Host "  $($edge.Name): the new build failed its health check; rolling back to the previous build"
            Stop-Managed $Topology $edge -Signal KILL -GraceSeconds 1
            Start-Dotnet $Topology $edge 'edge.previous' (Get-EdgeSettings $Topology $edge)
            Wait-Healthy $Topology $edge
            Invoke-Api DELETE "$url/v1/pops/$($edge.Pop)/drain" $secrets.ControlPlaneAdminKey $null | Out-Null
            New-Item -ItemType File -Force -Path $stopFile | Out-Null
            Receive-Job -Job $clients -Wait | Out-Null
            Remove-Job -Job $clients -Force
            throw "Rolling stopped at $($edge.Name), which runs the previous build again: $($_.Exception.Message)"
        }
        Invoke-Api DELETE "$url/v1/pops/$($edge.Pop)/drain" $secrets.ControlPlaneAdminKey $null | Out-Null
        Wait-Until -TimeoutSeconds 15 -What "routes to include $($edge.Pop) again" {
            Get-Route $Topology $edge.Region | Where-Object { $_.id -eq $edge.Pop }
        }
    }
    Write-Progress -Activity 'Rolling the edges' -Completed
    New-Item -ItemType File -Force -Path $stopFile | Out-Null
    $traffic = @(Receive-Job -Job $clients -Wait)
    # Removed apart from receiving: -AutoRemoveJob on a piped set of jobs can trip over their child jobs.
    Remove-Job -Job $clients -Force
    Remove-Item -Force -ErrorAction SilentlyContinue $stopFile
    $failed = @($traffic | Where-Object { $_.Status -ne 200 })
    Write-Host "Rolled $($edges.Count) edges; traffic meanwhile: $($traffic.Count) requests, $($failed.Count) failed."
    if ($failed.Count -gt 0) { throw "Rolling broke its promise: $($failed.Count) requests failed during the roll." }
}

function Wait-Until {
    param([int] $TimeoutSeconds, [string] $What, [scriptblock] $Condition)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 100
    }
    throw "Timed out after $TimeoutSeconds s waiting for $What."
}

function Write-DrillReport {
    param([string] $Title, [object[]] $Lines, [bool] $Passed)
    Write-Host ''
    Write-Host "Drill: $Title"
    foreach ($line in $Lines) { Write-Host "  $line" }
    Write-Host ("  Result: {0}" -f ($(if ($Passed) { 'PASSED' } else { 'FAILED: a promise was broken' })))
}

function Invoke-Drill {
    <# Breaks one part while traffic runs, reports what clients saw, brings it back; $true when every promise held. #>
    param($Topology, [string] $Name, [string] $Region, [int] $Seconds = 20)
    switch ($Name) {
        'region-outage' { return Invoke-RegionOutageDrill $Topology $Region $Seconds }
        'origin-node' { return Invoke-KillOneDrill $Topology 'origin' 'One origin node killed' $Seconds $Region }
        'etcd-member' { return Invoke-KillOneDrill $Topology 'etcd' 'One etcd member killed' $Seconds $Region }
        'etcd-pause' { return Invoke-KillOneDrill $Topology 'etcd' 'One etcd member paused (SIGSTOP)' $Seconds $Region -Pause }
        'redis' { return Invoke-KillOneDrill $Topology 'redis' "The Redis of $Region killed" $Seconds $Region }
    }
}

function Invoke-RegionOutageDrill($Topology, [string] $Region, [int] $Seconds) {
    # Clients of the region under test ask routing for their PoP, as browsers resolving the CDN's name would.
    $victims = @(Get-Processes $Topology -Region $Region)
    if (-not $victims) { throw "No region '$Region' in this topology." }
    $pop = "$Region-pop"
    # A hashtable, so the tick callback (run inside Invoke-Traffic) records into the drill's own state.
    $drill = @{ KilledAt = $null; ExcludedAt = $null }
    $killAt = [Math]::Max(2, [int]($Seconds / 4))
    $traffic = Invoke-Traffic $Topology -Region $Region -Seconds $Seconds -OnTick {
        param($second)
        if ($second -eq $killAt) {
            foreach ($victim in $victims) { Stop-Abruptly $Topology $victim }
            $drill.KilledAt = [DateTime]::UtcNow
        }
    }.GetNewClosure() -OnRoute {
        param($pops)
        if ($drill.KilledAt -and -not $drill.ExcludedAt -and -not ($pops | Where-Object { $_.id -eq $pop })) {
            $drill.ExcludedAt = [DateTime]::UtcNow
        }
    }.GetNewClosure()
    if (-not $drill.KilledAt) { throw 'The drill ended before it broke anything; give it more -DrillSeconds.' }
    if (-not $drill.ExcludedAt) {
        Wait-Until -TimeoutSeconds 30 -What "routing to exclude $pop" { -not (Get-Route $Topology $Region | Where-Object { $_.id -eq $pop }) }
        $drill.ExcludedAt = [DateTime]::UtcNow
    }
    $exclusion = ($drill.ExcludedAt - $drill.KilledAt).TotalSeconds
    $failed = @($traffic | Where-Object { $_.Status -ne 200 })
    $lateFailures = @($traffic | Where-Object { $_.Status -ne 200 -and $_.At -gt ($killAt + $exclusion + 1) })

    Write-Host "  bringing $Region back"
    $returned = [Diagnostics.Stopwatch]::StartNew()
    foreach ($victim in $victims | Sort-Object { $_.Kind -ne 'redis' }) { Start-IfStopped $Topology $victim }
    Wait-Until -TimeoutSeconds 30 -What "routing to include $pop again" { Get-Route $Topology $Region | Where-Object { $_.id -eq $pop } }
    $recovery = $returned.Elapsed.TotalSeconds

    # The promise: routing excludes a dead PoP within the lease TTL (5 s) and, once it has, no client fails.
    $passed = $exclusion -le 6 -and $lateFailures.Count -eq 0
    $servedBy = ($traffic | Group-Object Target | ForEach-Object { "$($_.Name): $($_.Count)" }) -join ', '
    Write-DrillReport "region outage ($Region)" @(
        "requests: $($traffic.Count), failed: $($failed.Count) (all before routing excluded the region: $($lateFailures.Count -eq 0))",
        "sent to: $servedBy",
        ('routing excluded {0} {1:N1} s after its processes were killed (promise: within the 5 s lease TTL)' -f $pop, $exclusion),
        ('recovery: {0} back in routing {1:N1} s after its processes were restarted' -f $pop, $recovery)
    ) $passed
    return $passed
}

function Invoke-KillOneDrill($Topology, [string] $Kind, [string] $Title, [int] $Seconds, [string] $Region, [switch] $Pause) {
    # -Pause freezes the victim (SIGSTOP) instead of killing it: its port stays open and nothing answers, which
    # clients that only watch connections take for alive.
    $victim = if ($Kind -eq 'redis') { Get-Processes $Topology -Kind redis -Region $Region | Select-Object -First 1 } else { Get-Processes $Topology -Kind $Kind | Select-Object -First 1 }
    $edge = Get-Processes $Topology -Kind edge -Region $Region | Select-Object -First 1
    $killAt = [Math]::Max(2, [int]($Seconds / 4))
    # Straight at one edge of the region: the part under test sits behind it, not in front of it.
    # Misses for the origin drill (each request must reach a node); the usual mix for the others.
    $traffic = Invoke-Traffic $Topology -Region $Region -Seconds $Seconds -Target "http://127.0.0.1:$($edge.Port)" -Cold:($Kind -eq 'origin') -OnTick {
        param($second)
        if ($second -eq $killAt) {
            if ($Pause) { kill -STOP (Get-RunningPid $Topology $victim) } else { Stop-Abruptly $Topology $victim }
        }
    }.GetNewClosure()
    $failed = @($traffic | Where-Object { $_.Status -ne 200 })
    $adminOk = $true
    if ($Kind -eq 'etcd') {
        # With two of three members left, etcd has quorum: admin writes must still succeed, every one of them.
        $secrets = Get-Secrets $Topology
        $place = Get-RegionPlace $Region
        $writes = 1..5 | ForEach-Object {
            Invoke-Api PUT "$(Get-ControlPlaneUrl $Topology)/v1/regions/$Region" $secrets.ControlPlaneAdminKey @{ name = $Region; latitude = $place.Latitude; longitude = $place.Longitude }
        }
        $adminOk = @($writes | Where-Object { $_.Status -ge 300 }).Count -eq 0
    }
    if ($Pause) { kill -CONT (Get-RunningPid $Topology $victim) } else { Start-IfStopped $Topology $victim }
    $passed = $failed.Count -eq 0 -and $adminOk
    $misses = @($traffic | Where-Object { $_.Cache -eq 'MISS' }).Count
    $what = if ($Pause) { 'paused' } else { 'killed' }
    $lines = @("requests: $($traffic.Count) ($misses misses), failed: $($failed.Count) (promise: none)", "$($victim.Name) $what at $killAt s and $(if ($Pause) { 'resumed' } else { 'restarted' }) after the run")
    if ($Kind -eq 'etcd') { $lines += "5 admin writes with one member $($what): $(if ($adminOk) { 'all accepted' } else { 'SOME REFUSED' })" }
    Write-DrillReport $Title $lines $passed
    return $passed
}

#endregion

Export-ModuleMember -Function New-Topology, Get-Processes, Get-Secrets, Invoke-Up, Invoke-Down, Invoke-Status, Invoke-Rolling, Invoke-Drill, Get-RunningPid, Stop-Abruptly, Stop-Managed, Start-IfStopped, Test-Healthy
