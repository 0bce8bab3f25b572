# Each kind of service: how it is published, started, configured, seeded and probed, and the commands that bring
# the whole topology up and down in dependency order. Secrets go to services through their environment
# (Secrets.psm1); their command lines carry only what anyone may read.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')
Import-Module (Join-Path $PSScriptRoot 'Database.psm1')
Import-Module (Join-Path $PSScriptRoot 'Stores.psm1')
Import-Module (Join-Path $PSScriptRoot 'Certificates.psm1')

$script:PostgresBin = '/usr/lib/postgresql/15/bin'

#region Health

function Test-Healthy {
    <# One probe of a process's health, as its own kind of server understands it. #>
    param($Topology, $Process)
    switch ($Process.Kind) {
        'etcd' { return Test-EtcdHealthy $Topology $Process }
        'postgres' { return Test-PatroniHealthy $Process }
        'redis' { return Test-RedisHealthy $Topology $Process }
        # HTTPS with the deployment CA pinned (Set-HttpTrust); the origin's edges' listener takes deploy's client certificate.
        default { return (Test-Http "https://127.0.0.1:$($Process.Port)/healthz") -eq 200 }
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
    # Clients and peers over TLS alone, client certificates required on both (Stores.psm1).
    Start-Managed $Topology $Process '/usr/bin/etcd' (@(
        '--name', $Process.Name, '--data-dir', $data,
        '--listen-client-urls', "https://127.0.0.1:$($Process.Port)", '--advertise-client-urls', "https://127.0.0.1:$($Process.Port)",
        '--listen-peer-urls', "https://127.0.0.1:$($Process.PeerPort)", '--initial-advertise-peer-urls', "https://127.0.0.1:$($Process.PeerPort)",
        '--initial-cluster', $Process.Cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'edgeimages',
        '--heartbeat-interval', '100', '--election-timeout', '1000') + (Get-EtcdArguments $Topology $Process)) | Out-Null
}

function Start-Redis($Topology, $Process) {
    # TLS only, ACL users: everything in a config file of mode 600 (Stores.psm1), nothing on the command line.
    Start-Managed $Topology $Process '/usr/bin/redis-server' @(Write-RedisConfig $Topology $Process) | Out-Null
}

function Start-Dotnet {
    <# One .NET service from a published folder: settings on its command line, its kind's secrets in its environment. #>
    param($Topology, $Process, [string] $Service, [hashtable] $Settings)
    $dll = Get-ChildItem (Join-Path $Topology.Publish $Service) -Filter 'EdgeImages.*.dll' |
        Where-Object { Test-Path ([IO.Path]::ChangeExtension($_.FullName, '.runtimeconfig.json')) } | Select-Object -First 1
    if (-not $dll) { throw "No published $Service in $($Topology.Publish); run up without -NoBuild." }
    # Listeners are HTTPS only, from Kestrel:Endpoints (Certificates.psm1); no --urls.
    $arguments = @($dll.FullName, '--environment', 'Production', '--contentRoot', $dll.DirectoryName)
    $Settings = $Settings + (Get-ServiceTlsSettings $Topology $Process)
    foreach ($key in $Settings.Keys) { $arguments += "--$key=$($Settings[$key])" }
    $environment = Get-SecretEnvironment $Topology $Process.Kind
    if ($Process.Kind -eq 'origin') { $environment += Get-OriginConnectionStrings $Topology }
    Start-Managed $Topology $Process 'dotnet' $arguments -Environment $environment | Out-Null
}

function Get-OriginSettings($Topology) {
    # The connection strings hold passwords: they reach the origin in its environment (Secrets.psm1), not here.
    @{}
}

function Get-ControlPlaneSettings($Topology, $Process) {
    # etcd over TLS as the etcd user control-plane (Stores.psm1).
    $settings = Get-ControlPlaneStoreSettings $Topology
    $settings['Leadership:ReplicaId'] = $Process.Name
    # The leader probes the origin nodes too.
    foreach ($origin in Get-Processes $Topology -Kind origin) {
        $settings["Leadership:Origins:$($origin.Name)"] = "https://127.0.0.1:$($origin.Port)/readyz"
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
    # The region's Redis as its ACL user, etcd as this edge's own user, both over TLS (Stores.psm1).
    $settings = Get-EdgeStoreSettings $Topology $Process
    $settings += @{
        "Signing:KeyTenants:$($secrets.SigningKeyId)" = 'demo'
        'Signing:ActiveKey' = $secrets.SigningKeyId
        'ControlPlane:Region' = $Process.Region
        'ControlPlane:Pop' = $Process.Pop
        'ControlPlane:EdgeId' = $Process.Name
        'ControlPlane:PublicAddress' = "https://127.0.0.1:$($Process.Port)"
        'ControlPlane:StateFile' = Join-Path (Get-DataDir $Topology $Process) 'last-known-good.json'
    }
    foreach ($origin in Get-Processes $Topology -Kind origin) {
        $settings["Origin:Destinations:$($origin.Name)"] = "https://127.0.0.1:$($origin.Port)"
    }
    New-Item -ItemType Directory -Force -Path (Get-DataDir $Topology $Process) | Out-Null
    return $settings
}

function Start-ProcessOfKind {
    param($Topology, $Process)
    switch ($Process.Kind) {
        'etcd' { Start-Etcd $Topology $Process }
        'postgres' { Start-PatroniMember $Topology $Process }
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
    Start-ProcessOfKind $Topology $Process
    Wait-Healthy $Topology $Process
    Write-Host ("  {0,-22} started on 127.0.0.1:{1}" -f $Process.Name, $Process.Port)
}

#endregion

#region Talking to the services

function Use-DeploymentTrust {
    <# Points deploy's own HTTPS client at this topology's CA and operator certificate, once the CA exists. #>
    param($Topology)
    $ca = Join-Path (Get-PkiDir $Topology) 'ca.crt'
    if (-not (Test-Path $ca)) { return }
    $operator = Get-OperatorCertificate $Topology
    if (Test-Path $operator.CertificatePath) { Set-HttpTrust -CaPath $ca -CertificatePath $operator.CertificatePath -KeyPath $operator.KeyPath }
    else { Set-HttpTrust -CaPath $ca }
}

function Invoke-Api {
    <# One call to a service's API over the pinned HTTPS client (Set-HttpTrust); the status and the parsed JSON body. #>
    param([string] $Method, [string] $Url, [string] $Token, $Body, [string] $ContentType = 'application/json')
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::new($Method), $Url)
    if ($Token) { $request.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token) }
    if ($null -ne $Body) {
        if ($Body -is [byte[]]) { $request.Content = [Net.Http.ByteArrayContent]::new($Body) }
        else { $request.Content = [Net.Http.StringContent]::new(($Body | ConvertTo-Json -Depth 6), [Text.Encoding]::UTF8) }
        $request.Content.Headers.ContentType = [Net.Http.Headers.MediaTypeHeaderValue]::new($ContentType)
    }
    $limit = [Threading.CancellationTokenSource]::new(30000)
    try {
        $response = (Get-HttpClient).SendAsync($request, $limit.Token).GetAwaiter().GetResult()
        $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        $parsed = if ($text) { try { $text | ConvertFrom-Json } catch { $text } } else { $null }
        $status = [int]$response.StatusCode
        $response.Dispose()
        return [pscustomobject]@{ Status = $status; Body = $parsed }
    } finally { $limit.Dispose(); $request.Dispose() }
}

function Get-ControlPlaneUrl($Topology) {
    foreach ($process in Get-Processes $Topology -Kind control-plane) {
        if ((Test-Http "https://127.0.0.1:$($process.Port)/healthz") -eq 200) { return "https://127.0.0.1:$($process.Port)" }
    }
    return $null
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

#region Seeding

function Initialize-DemoTenant {
    <# Tenant `demo` at the origin, with the quick start's sample images uploaded once. #>
    param($Topology)
    $secrets = Get-Secrets $Topology
    # The tenants' listener: HTTPS and an API key, no client certificate.
    $origin = "https://127.0.0.1:$((Get-Processes $Topology -Kind origin | Select-Object -First 1).TenantPort)"
    if (-not $secrets.TenantApiKey) {
        $created = Invoke-Api POST "$origin/v1/admin/tenants/demo/keys" $secrets.OriginAdminToken $null
        if ($created.Status -ne 201) { throw "Creating tenant demo at the origin answered $($created.Status)." }
        Save-Secret $Topology 'tenant-api-key' $created.Body.key
        $secrets = Get-Secrets $Topology
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

#endregion

#region Up and down

function Invoke-Up {
    param($Topology, [switch] $NoBuild)
    # python3-idna: Patroni's HTTPS client (urllib3) cannot reach the TLS etcd without it, and Debian's patroni
    # package does not depend on it.
    $missing = @('/usr/bin/etcd', "$script:PostgresBin/postgres", '/usr/bin/patroni', '/usr/lib/python3/dist-packages/idna', '/usr/bin/redis-server') | Where-Object { -not (Test-Path $_) }
    if ($missing) {
        throw "Missing: $($missing -join ', '). Install the Debian packages: apt-get install etcd-server postgresql patroni python3-idna redis-server"
    }
    $started = [Diagnostics.Stopwatch]::StartNew()
    Write-Host "EdgeImages up: $($Topology.Regions.Count) regions, run folder $($Topology.RunDir)"
    Get-Secrets $Topology | Out-Null
    # The deployment CA and a certificate per service instance, made on the first up (renewed when near expiry).
    foreach ($certificate in Initialize-Certificates $Topology) { Write-Host "  issued a certificate for $($certificate.Name) (serial $($certificate.Serial))" }
    Use-DeploymentTrust $Topology
    Save-TopologyFile $Topology
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
        }
        if ($kind -eq 'postgres') {
            Wait-SyncStandby $Topology
            Initialize-OriginDatabase $Topology
        }
        if ($kind -eq 'etcd') {
            Get-Processes $Topology -Kind etcd | ForEach-Object { Wait-Healthy $Topology $_ }
            # Users, roles and auth enable, before anything uses etcd (idempotent: a later up adds new edges' users).
            Initialize-EtcdAccess $Topology
        }
        # A region's L2 as a Redis Cluster (up -RedisCluster): its nodes, once started, are made into one cluster.
        if ($kind -eq 'redis') { Initialize-RedisClusters $Topology }
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
    Write-Host "Operator dashboard: https://127.0.0.1:$($controlPlane.Port)/dashboard/"
    Write-Host "Demo page of an edge: https://127.0.0.1:$($edge.Port)/ (signed with this topology's key)"
    Write-Host "Every listener is HTTPS from the deployment CA: trust $(Join-Path (Get-PkiDir $Topology) 'ca.crt') (curl --cacert) to call them."
}

function Invoke-Down {
    param($Topology)
    $order = 'edge', 'redis', 'control-plane', 'origin', 'postgres', 'etcd'
    foreach ($kind in $order) {
        foreach ($process in Get-Processes $Topology -Kind $kind) {
            if (Get-RunningPid $Topology $process) {
                Write-Host "  stopping $($process.Name)"
                # Patroni: SIGTERM stops its PostgreSQL (fast shutdown) and then itself.
                Stop-Managed $Topology $process -Signal TERM -GraceSeconds 30
            } else {
                Remove-Item -Force -ErrorAction SilentlyContinue (Get-PidFile $Topology $process)
            }
        }
    }
    Write-Host 'Down: every recorded process is stopped.'
}

#endregion

Export-ModuleMember -Function Test-Healthy, Wait-Healthy, Publish-Services, Start-Dotnet, Get-EdgeSettings, Start-IfStopped, `
    Use-DeploymentTrust, Invoke-Api, Get-ControlPlaneUrl, Get-Route, Show-Routes, Invoke-Up, Invoke-Down
