# Operations under traffic: the rolling replacement of the edges, and the drills that break one part (a region,
# an origin node, an etcd member, a region's Redis), report what clients saw, and bring it back; and the restore of
# an original deleted by mistake from the database's backups (restore-original).

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')
Import-Module (Join-Path $PSScriptRoot 'Services.psm1')
Import-Module (Join-Path $PSScriptRoot 'Traffic.psm1')
Import-Module (Join-Path $PSScriptRoot 'Database.psm1')
Import-Module (Join-Path $PSScriptRoot 'Certificates.psm1')
Import-Module (Join-Path $PSScriptRoot 'Stores.psm1')
Import-Module (Join-Path $PSScriptRoot 'RedisClusterDrill.psm1')


function Start-RegionTraffic($Topology, [string] $StopFile) {
    <# Clients of every region asking without pause, each a thread job, until $StopFile exists; their records are the jobs' output. #>
    $module = Join-Path $PSScriptRoot 'Traffic.psm1'
    foreach ($region in $Topology.Regions) {
        Start-ThreadJob -ArgumentList $module, $Topology, $region, $StopFile -ScriptBlock {
            param($module, $topology, $region, $stopFile)
            Import-Module $module
            Invoke-Traffic $topology -Region $region -Seconds 3600 -StopFile $stopFile
        }
    }
}

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
    $clients = Start-RegionTraffic $Topology $stopFile
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

function Format-Failures([object[]] $Failures, [string] $When = '') {
    <# ", 503 at 7.2 s from https://…" for the first few failures: what a broken promise looked like to clients. #>
    if (-not $Failures) { return '' }
    $shown = $Failures | Select-Object -First 5 | ForEach-Object { '{0} at {1:N1} s from {2}' -f $(if ($_.Status) { $_.Status } else { 'no answer' }), $_.At, $_.Target }
    return "; $($Failures.Count) failed$When, first: $($shown -join '; ')"
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
    param($Topology, [string] $Name, [string] $Region, [int] $Seconds = 20, [int] $ExclusionPromise = 6)
    switch ($Name) {
        'region-outage' { return Invoke-RegionOutageDrill $Topology $Region $Seconds $ExclusionPromise }
        'origin-node' { return Invoke-KillOneDrill $Topology 'origin' 'One origin node killed' $Seconds $Region }
        'etcd-member' { return Invoke-KillOneDrill $Topology 'etcd' 'One etcd member killed' $Seconds $Region }
        'etcd-pause' { return Invoke-KillOneDrill $Topology 'etcd' 'One etcd member paused (SIGSTOP)' $Seconds $Region -Pause }
        'redis' { return Invoke-KillOneDrill $Topology 'redis' "The Redis of $Region killed" $Seconds $Region }
        'redis-primary' { return Invoke-RedisPrimaryDrill $Topology $Region $Seconds }
        'origin-db-primary' { return Invoke-DatabasePrimaryDrill $Topology $Region $Seconds }
        'restore-original' { return Invoke-RestoreOriginalDrill $Topology $Region }
    }
}

function Invoke-RegionOutageDrill($Topology, [string] $Region, [int] $Seconds, [int] $ExclusionPromise) {
    # Clients of the region under test ask routing for their PoP, as browsers resolving the CDN's name would.
    $victims = @(Get-Processes $Topology -Region $Region)
    if (-not $victims) { throw "No region '$Region' in this topology." }
    $pop = "$Region-pop"
    # A hashtable, so the tick callback (run inside Invoke-Traffic) records into the drill's own state.
    $drill = @{ KilledAt = $null; KilledElapsed = $null; ExcludedAt = $null }
    $killAt = [Math]::Max(2, [int]($Seconds / 4))
    $traffic = Invoke-Traffic $Topology -Region $Region -Seconds $Seconds -OnTick {
        param($second, $elapsed)
        if ($second -eq $killAt) {
            foreach ($victim in $victims) { Stop-Abruptly $Topology $victim }
            $drill.KilledAt = [DateTime]::UtcNow
            # On the traffic's own clock: a loaded machine runs a tick late, after the second it is named for.
            $drill.KilledElapsed = $elapsed
        }
    }.GetNewClosure() -OnRoute {
        param($pops)
        # An empty list is no answer (the control plane was slow or failed: Get-Route returns nothing), not an exclusion.
        if ($drill.KilledAt -and -not $drill.ExcludedAt -and $pops.Count -gt 0 -and -not ($pops | Where-Object { $_.id -eq $pop })) {
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
    $lateFailures = @($traffic | Where-Object { $_.Status -ne 200 -and $_.At -gt ($drill.KilledElapsed + $exclusion + 1) })

    Write-Host "  bringing $Region back"
    $returned = [Diagnostics.Stopwatch]::StartNew()
    foreach ($victim in $victims | Sort-Object { $_.Kind -ne 'redis' }) { Start-IfStopped $Topology $victim }
    Wait-Until -TimeoutSeconds 30 -What "routing to include $pop again" { Get-Route $Topology $Region | Where-Object { $_.id -eq $pop } }
    $recovery = $returned.Elapsed.TotalSeconds

    # The promises: once routing has excluded the dead PoP no client fails, and (for an operator, on a machine
    # sized for it) the exclusion comes within the lease TTL plus a probe. -ExclusionPromise 0 reports the time
    # without holding the drill to it: the test suite does so, since a loaded test machine says nothing about speed.
    $inTime = $ExclusionPromise -eq 0 -or $exclusion -le $ExclusionPromise
    $passed = $inTime -and $lateFailures.Count -eq 0
    $promise = if ($ExclusionPromise -eq 0) { 'reported, not held to a time' } else { "promise: within $ExclusionPromise s, the 5 s lease TTL and a probe" }
    $servedBy = ($traffic | Group-Object Target | ForEach-Object { "$($_.Name): $($_.Count)" }) -join ', '
    Write-DrillReport "region outage ($Region)" @(
        "requests: $($traffic.Count), failed: $($failed.Count) (all before routing excluded the region: $($lateFailures.Count -eq 0))$(Format-Failures $lateFailures ' after')",
        "sent to: $servedBy",
        ('routing excluded {0} {1:N1} s after its processes were killed ({2})' -f $pop, $exclusion, $promise),
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
    $traffic = Invoke-Traffic $Topology -Region $Region -Seconds $Seconds -Target "https://127.0.0.1:$($edge.Port)" -Cold:($Kind -eq 'origin') -OnTick {
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
    $lines = @("requests: $($traffic.Count) ($misses misses), failed: $($failed.Count) (promise: none)$(Format-Failures $failed)", "$($victim.Name) $what at $killAt s and $(if ($Pause) { 'resumed' } else { 'restarted' }) after the run")
    if ($Kind -eq 'etcd') { $lines += "5 admin writes with one member $($what): $(if ($adminOk) { 'all accepted' } else { 'SOME REFUSED' })" }
    Write-DrillReport $Title $lines $passed
    return $passed
}

function Invoke-DatabasePrimaryDrill($Topology, [string] $Region, [int] $Seconds) {
    <#
        The PostgreSQL primary killed (SIGKILL to Patroni and its postmaster's process group, as losing the machine)
        under a steady stream of uploads and of reads through an edge. Every upload the origin acknowledged is
        recorded with the SHA-256 of what was sent; right after each one the other origin node is asked for the
        path (unversioned: must be that version) and for the version itself (pinned). Then every acknowledged upload
        is read back and compared byte for byte, and the old primary is brought back and must rejoin as a standby.
        Over TLS as the services talk: uploads to each origin's tenants' listener (an API key, no client certificate),
        reads from its edges' listener as an edge reads (the edge credential and the edge's client certificate: that
        listener demands one), edge traffic over https; every client pins the deployment CA.
    #>
    $secrets = Get-Secrets $Topology
    $originNodes = @(Get-Processes $Topology -Kind origin)
    $origins = @($originNodes | ForEach-Object { "https://127.0.0.1:$($_.Port)" })
    $tenantOrigins = @($originNodes | ForEach-Object { "https://127.0.0.1:$($_.TenantPort)" })
    $edge = Get-Processes $Topology -Kind edge -Region $Region | Select-Object -First 1
    if (-not $edge) { throw "No edge in region '$Region' in this topology." }
    # One client for the drill's uploads and origin reads: the deployment CA pinned, the edge's own certificate
    # presented (the tenants' listener does not ask for it). Shared with the uploader's thread: HttpClient is safe so.
    $edgeCertificate = Get-ServiceCertificate $Topology $edge
    $originClient = New-PinnedHttpClient (Join-Path (Get-PkiDir $Topology) 'ca.crt') $edgeCertificate.CertificatePath $edgeCertificate.KeyPath
    $originClient.Timeout = [TimeSpan]::FromSeconds(10)
    $victim = Get-DatabaseLeader $Topology
    if (-not $victim) { throw 'No PostgreSQL primary answers; is the topology up?' }
    # The smallest sample (42 KB): the drill measures the database, not the upload of large bodies.
    $sample = [IO.File]::ReadAllBytes((Join-Path $Topology.RepoRoot 'edge' 'originals' 'demo' 'graphics' 'squares.gif'))
    # Every variant the edge traffic asks for is cached first: during the outage each one must then be a hit (or a
    # stale copy once it expires), and none may fail. A miss with nothing cached has nothing to fall back on.
    # deploy's pinned client (Set-HttpTrust), as the traffic below uses.
    $warm = Get-HttpClient
    foreach ($path in Get-TrafficPaths $Topology) {
        foreach ($try in 1..3) {
            $limit = [Threading.CancellationTokenSource]::new(10000)
            try {
                $response = $warm.GetAsync("https://127.0.0.1:$($edge.Port)$path", $limit.Token).GetAwaiter().GetResult()
                $ok = [int]$response.StatusCode -eq 200
                $response.Dispose()
            } catch { $ok = $false } finally { $limit.Dispose() }
            if ($ok) { break }
        }
    }
    $stopFile = Join-Path $Topology.RunDir 'db-drill.stop'
    Remove-Item -Force -ErrorAction SilentlyContinue $stopFile
    $uploader = Start-ThreadJob -ArgumentList $origins, $tenantOrigins, $originClient, $secrets.TenantApiKey, $secrets.OriginEdgeCredential, $sample, $stopFile -ScriptBlock {
        param($origins, $tenantOrigins, $client, $key, $edgeCredential, $sample, $stopFile)
        $n = 0; $run = [Guid]::NewGuid().ToString('N').Substring(0, 8)
        while (-not (Test-Path $stopFile)) {
            $n++
            # Each upload differs: the sample with a counter after its end (the origin sniffs the header only).
            $content = [byte[]]($sample + [BitConverter]::GetBytes($n))
            $path = "drill/$run/upload-$n.gif"
            $writer = $tenantOrigins[$n % $origins.Count]; $reader = $origins[($n + 1) % $origins.Count]
            $at = [DateTime]::UtcNow; $status = 0; $version = $null
            try {
                $put = [Net.Http.HttpRequestMessage]::new('PUT', "$writer/v1/demo/$path")
                $put.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $key)
                $put.Content = [Net.Http.ByteArrayContent]::new($content)
                $response = $client.SendAsync($put).GetAwaiter().GetResult()
                $status = [int]$response.StatusCode
                if ($status -eq 201) { $version = $response.Headers.GetValues('X-Origin-Version') | Select-Object -First 1 }
                $response.Dispose()
            } catch { $status = 0 }
            [pscustomobject]@{ Kind = 'upload'; At = $at; Status = $status; Path = $path; Version = $version; Hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($content)) }
            if ($version) {
                foreach ($read in @(@('unversioned', "$reader/v1/demo/$path"), @('pinned', "$reader/v1/demo/${path}?version=$version"))) {
                    $kind, $url = $read; $readStatus = 0; $served = $null
                    try {
                        $get = [Net.Http.HttpRequestMessage]::new('GET', $url)
                        $get.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $edgeCredential)
                        $response = $client.SendAsync($get).GetAwaiter().GetResult()
                        $readStatus = [int]$response.StatusCode
                        if ($readStatus -eq 200) { $served = $response.Headers.GetValues('X-Origin-Version') | Select-Object -First 1 }
                        $response.Dispose()
                    } catch { $readStatus = 0 }
                    [pscustomobject]@{ Kind = $kind; At = [DateTime]::UtcNow; Status = $readStatus; Path = $path; Version = $version; Served = $served }
                }
            }
            Start-Sleep -Milliseconds 50
        }
    }
    $killAt = [Math]::Max(3, [int]($Seconds / 4))
    # The tick runs inside Invoke-Traffic, where this module's imports are not visible: the command travels along.
    $crash = Get-Command Stop-PatroniMemberAbruptly
    $killed = @{ At = $null }
    $traffic = Invoke-Traffic $Topology -Region $Region -Seconds $Seconds -Target "https://127.0.0.1:$($edge.Port)" -OnTick {
        param($second)
        # Timed once the kill has returned: on a loaded machine starting `kill` itself takes a while.
        if ($second -eq $killAt) { & $crash $Topology $victim; $killed.At = [DateTime]::UtcNow }
    }.GetNewClosure()
    if (-not $killed.At) { throw 'The drill ended before it broke anything; give it more -DrillSeconds.' }
    New-Item -ItemType File -Force -Path $stopFile | Out-Null
    $records = @(Receive-Job -Job $uploader -Wait)
    Remove-Job -Job $uploader -Force
    Remove-Item -Force -ErrorAction SilentlyContinue $stopFile

    $uploads = @($records | Where-Object Kind -eq 'upload')
    $acknowledged = @($uploads | Where-Object Status -eq 201)
    $refused = @($uploads | Where-Object { $_.Status -ne 201 })
    # Writes unavailable: from the kill to the first upload started after it and acknowledged (wall clock; the
    # uploader is a thread of its own).
    $firstAfter = $acknowledged | Where-Object { $_.At -gt $killed.At } | Select-Object -First 1
    $unavailable = if ($firstAfter) { ($firstAfter.At - $killed.At).TotalSeconds } else { [double]::NaN }
    $reads = @($records | Where-Object Kind -ne 'upload')
    $wrong = @($reads | Where-Object { $_.Status -eq 200 -and $_.Served -ne $_.Version })
    $notFound = @($reads | Where-Object Status -eq 404)
    $readFailures = ($reads | Where-Object { $_.Status -ne 200 } | Group-Object Kind, Status | ForEach-Object { "$($_.Name): $($_.Count)" }) -join ', '
    $edgeFailed = @($traffic | Where-Object { $_.Status -ne 200 })
    $edgeKinds = ($traffic | Group-Object Cache | ForEach-Object { "$(if ($_.Name) { $_.Name } else { 'none' }): $($_.Count)" }) -join ', '

    # Every acknowledged upload, read back after the failover and compared byte for byte.
    Wait-Until -TimeoutSeconds 60 -What 'a new PostgreSQL primary' { Get-DatabaseLeader $Topology }
    $lost = [System.Collections.Generic.List[string]]::new()
    try {
        foreach ($upload in $acknowledged) {
            $get = [Net.Http.HttpRequestMessage]::new('GET', "$($origins[0])/v1/demo/$($upload.Path)?version=$($upload.Version)")
            $get.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $secrets.OriginEdgeCredential)
            $response = $originClient.SendAsync($get).GetAwaiter().GetResult()
            $hash = if ([int]$response.StatusCode -eq 200) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult())) } else { "status $([int]$response.StatusCode)" }
            $response.Dispose()
            if ($hash -ne $upload.Hash) { $lost.Add("$($upload.Path)@$($upload.Version): $hash") }
        }
    } finally { $originClient.Dispose() }

    Write-Host "  bringing $($victim.Name) back"
    $rejoin = [Diagnostics.Stopwatch]::StartNew()
    Start-IfStopped $Topology $victim
    Wait-SyncStandby $Topology
    $rejoined = Get-PatroniRole $victim
    $leader = Get-DatabaseLeader $Topology

    $passed = $lost.Count -eq 0 -and $wrong.Count -eq 0 -and $notFound.Count -eq 0 -and $edgeFailed.Count -eq 0 -and $firstAfter -and $rejoined -in 'replica', 'sync_standby'
    Write-DrillReport "PostgreSQL primary killed ($($victim.Name))" @(
        "uploads: $($uploads.Count), acknowledged: $($acknowledged.Count), refused: $($refused.Count) ($((($refused | Group-Object Status | ForEach-Object { "$($_.Name): $($_.Count)" }) -join ', ')))",
        ('writes unavailable: {0:N1} s from the kill to the first upload acknowledged after it; uploads refused from {1:N1} s to {2:N1} s after the kill; new primary {3}' -f $unavailable,
            $(if ($refused) { ($refused[0].At - $killed.At).TotalSeconds } else { 0 }), $(if ($refused) { ($refused[-1].At - $killed.At).TotalSeconds } else { 0 }), $leader.Name),
        "acknowledged uploads lost or changed after the failover: $($lost.Count) (promise: 0)$(if ($lost.Count) { '; first: ' + ($lost | Select-Object -First 3) -join '; ' })",
        "reads right after each upload (other origin node): $($reads.Count), failed: $(if ($readFailures) { $readFailures } else { 'none' }); wrong version: $($wrong.Count), 404: $($notFound.Count) (promise: 0 and 0)",
        "reads through $($edge.Name) (every variant cached first): $($traffic.Count) ($edgeKinds), failed: $($edgeFailed.Count) (promise: none)$(Format-Failures $edgeFailed)",
        ('old primary {0} rejoined as {1} in {2:N1} s' -f $victim.Name, $rejoined, $rejoin.Elapsed.TotalSeconds)
    ) $passed
    return $passed
}

function Invoke-RestoreOriginalDrill($Topology, [string] $Region) {
    <#
        An original deleted by mistake, brought back as it was at a chosen moment (issue 17.5). Three versions are
        uploaded, the moment is noted (the database's clock), a fourth version is uploaded after it, and the original is
        deleted through the origin's API. Then a copy of the database is recovered to that moment in a temporary
        PostgreSQL (the newest base backup and the archived WAL; the members are left alone), the original's rows are
        read from it and put back into the live database, and the origin must serve the three versions again, byte for
        byte, the third as current, and not the fourth (uploaded after the moment). An edge must serve it again too.
        Reports the recovery point (how long the WAL of a commit waited for the archive) and the recovery time (copy
        of the base backup, replay to the moment).
    #>
    $secrets = Get-Secrets $Topology
    $origin = Get-Processes $Topology -Kind origin | Select-Object -First 1
    $edge = Get-Processes $Topology -Kind edge -Region $Region | Select-Object -First 1
    if (-not $origin -or -not $edge) { throw "No origin, or no edge in region '$Region', in this topology." }
    $edgeCertificate = Get-ServiceCertificate $Topology $edge
    $client = New-PinnedHttpClient (Join-Path (Get-PkiDir $Topology) 'ca.crt') $edgeCertificate.CertificatePath $edgeCertificate.KeyPath
    $client.Timeout = [TimeSpan]::FromSeconds(30)
    $send = {
        param([string] $Method, [string] $Url, [string] $Token, [byte[]] $Body)
        $request = [Net.Http.HttpRequestMessage]::new($Method, $Url)
        $request.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token)
        if ($null -ne $Body) { $request.Content = [Net.Http.ByteArrayContent]::new($Body) }
        $response = $client.SendAsync($request).GetAwaiter().GetResult()
        try {
            $bytes = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
            $version = if ($response.Headers.Contains('X-Origin-Version')) { $response.Headers.GetValues('X-Origin-Version') | Select-Object -First 1 } else { $null }
            [pscustomobject]@{ Status = [int]$response.StatusCode; Version = $version; Hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)) }
        } finally { $response.Dispose() }
    }
    $tenantUrl = "https://127.0.0.1:$($origin.TenantPort)/v1/demo"
    $edgeUrl = "https://127.0.0.1:$($origin.Port)/v1/demo"
    try {
        $backup = Get-BaseBackups $Topology | Select-Object -Last 1
        if (-not $backup) {
            Write-Host '  no base backup yet: taking one'
            $backup = Invoke-BaseBackup $Topology
        }
        $sample = [IO.File]::ReadAllBytes((Join-Path $Topology.RepoRoot 'edge' 'originals' 'demo' 'graphics' 'squares.gif'))
        $path = "drill/restore/$([Guid]::NewGuid().ToString('N').Substring(0, 8))/squares.gif"
        $uploaded = [System.Collections.Generic.List[object]]::new()
        $target = $null
        foreach ($n in 1..4) {
            # Each version differs: the sample with a counter after its end (the origin sniffs the header only).
            $content = [byte[]]($sample + [BitConverter]::GetBytes($n))
            $put = & $send PUT "$tenantUrl/$path" $secrets.TenantApiKey $content
            if ($put.Status -ne 201) { throw "Uploading version $n answered $($put.Status)." }
            $uploaded.Add([pscustomobject]@{ N = $n; Version = $put.Version; Hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($content)) })
            # The chosen moment, on the database's clock (what commit times are measured by): after the third version.
            if ($n -eq 3) { $target = [DateTimeOffset]::Parse((Invoke-Psql $Topology "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD`"T`"HH24:MI:SS.US`"Z`"')"), [Globalization.CultureInfo]::InvariantCulture) }
        }
        $wanted = @($uploaded | Where-Object N -le 3)
        $delete = & $send DELETE "$tenantUrl/$path" $secrets.TenantApiKey $null
        if ($delete.Status -ne 204) { throw "The mistaken delete answered $($delete.Status)." }
        $gone = & $send GET "$edgeUrl/${path}?version=$($wanted[0].Version)" $secrets.OriginEdgeCredential $null
        Write-Host "  $path uploaded in 4 versions, moment chosen after the third ($($target.ToString('o'))), deleted: a pinned read now answers $($gone.Status)"

        # The recovery point: how long the WAL holding the delete (a commit like any other) waits for the archive.
        $lag = Get-WalArchiveLag $Topology
        Write-Host "  the delete's WAL segment $($lag.Segment) reached the archive after $($lag.Seconds) s (archive_timeout $($lag.ArchiveTimeout) s)"

        $restore = Restore-DatabaseCopy $Topology -Target $target
        Write-Host "  restored base backup $($restore.Backup.Name) ($([Math]::Round($restore.Backup.Bytes / 1MB, 1)) MB) to the moment: copy $($restore.CopySeconds) s, replay $($restore.ReplaySeconds) s"
        $quoted = $path.Replace("'", "''")
        $where = "tenant = 'demo' AND path = '$quoted'"
        $found = @((Invoke-PsqlAt $Topology $restore.Port -Database edgeimages -Sql "SELECT version || ':' || upper(encode(sha256(content), 'hex')) FROM original_versions WHERE $where ORDER BY generation") -split '\s+' | Where-Object { $_ })
        # Out of the copy and into the primary in COPY's binary format (the bytes untouched), through temporary tables:
        # a version or a current row that exists again in the meantime (the path uploaded anew) is kept, not replaced.
        $exchange = Join-Path $Topology.RunDir 'restore'
        $versionsFile = Join-Path $exchange 'versions.bin'
        $headFile = Join-Path $exchange 'head.bin'
        Invoke-PsqlAt $Topology $restore.Port -Database edgeimages -Sql "\copy (SELECT * FROM original_versions WHERE $where) TO '$versionsFile' WITH (FORMAT binary)" | Out-Null
        Invoke-PsqlAt $Topology $restore.Port -Database edgeimages -Sql "\copy (SELECT * FROM originals WHERE $where) TO '$headFile' WITH (FORMAT binary)" | Out-Null
        $script = Join-Path $exchange 'put-back.sql'
        Set-Content -Path $script -Value @"
CREATE TEMPORARY TABLE restored_versions (LIKE original_versions) ON COMMIT DROP;
CREATE TEMPORARY TABLE restored_head (LIKE originals) ON COMMIT DROP;
\copy restored_versions FROM '$versionsFile' WITH (FORMAT binary)
\copy restored_head FROM '$headFile' WITH (FORMAT binary)
INSERT INTO original_versions SELECT * FROM restored_versions ON CONFLICT DO NOTHING;
INSERT INTO originals SELECT * FROM restored_head ON CONFLICT DO NOTHING;
"@
        $leader = Get-DatabaseLeader $Topology
        Invoke-PsqlAt $Topology $leader.Port -Database edgeimages -File $script | Out-Null
        Stop-DatabaseCopy $Topology

        # Byte for byte through the origin, as an edge reads: every version up to the moment, the current one, and
        # not the version uploaded after the moment.
        $checks = [System.Collections.Generic.List[string]]::new()
        foreach ($version in $wanted) {
            $read = & $send GET "$edgeUrl/${path}?version=$($version.Version)" $secrets.OriginEdgeCredential $null
            if ($read.Status -ne 200 -or $read.Hash -ne $version.Hash) { $checks.Add("version $($version.N): $($read.Status)$(if ($read.Status -eq 200) { ', other bytes' })") }
        }
        $current = & $send GET "$edgeUrl/$path" $secrets.OriginEdgeCredential $null
        if ($current.Status -ne 200 -or $current.Version -ne $wanted[-1].Version -or $current.Hash -ne $wanted[-1].Hash) { $checks.Add("current: $($current.Status) version $($current.Version)") }
        $after = & $send GET "$edgeUrl/${path}?version=$($uploaded[3].Version)" $secrets.OriginEdgeCredential $null
        if ($after.Status -ne 404) { $checks.Add("the version uploaded after the moment answered $($after.Status)") }
        $signed = New-SignedPath $secrets.SigningKeyId $secrets.SigningKey 'w:120,f:jpeg' 'demo' $path
        $limit = [Threading.CancellationTokenSource]::new(30000)
        try {
            $response = (Get-HttpClient).GetAsync("https://127.0.0.1:$($edge.Port)$signed", $limit.Token).GetAwaiter().GetResult()
            $edgeStatus = [int]$response.StatusCode
            $response.Dispose()
        } catch { $edgeStatus = 0 } finally { $limit.Dispose() }
        if ($edgeStatus -ne 200) { $checks.Add("$($edge.Name) answered $edgeStatus for a variant") }
        $recovered = $found.Count -eq 3 -and (@(0..2 | Where-Object { $found[$_] -ne "$($wanted[$_].Version):$($wanted[$_].Hash)" }).Count -eq 0)
        if (-not $recovered) { $checks.Add("the copy held $($found.Count) versions, not the 3 of the moment") }
        $passed = $checks.Count -eq 0
        Write-DrillReport "original deleted by mistake, restored as it was at a chosen moment ($path)" @(
            "uploaded 4 versions, moment chosen after the 3rd, deleted through the API; pinned read after the delete: $($gone.Status)",
            ('recovery point: the WAL of a commit reached the archive after {0} s (segment {1}; bound: archive_timeout {2} s, or sooner when the segment fills)' -f $lag.Seconds, $lag.Segment, $lag.ArchiveTimeout),
            ('recovery time: {0:N1} s (copy of base backup {1}, {2:N1} MB: {3} s; WAL replay to the moment and promotion: {4} s)' -f ($restore.CopySeconds + $restore.ReplaySeconds), $restore.Backup.Name, ($restore.Backup.Bytes / 1MB), $restore.CopySeconds, $restore.ReplaySeconds),
            "versions in the recovered copy: $($found.Count) (promise: the 3 of the moment, same bytes: $recovered)",
            "after putting them back, through $($origin.Name): $(if ($checks.Count) { $checks -join '; ' } else { 'versions 1-3 byte for byte, version 3 current, version 4 absent' }); through $($edge.Name): $edgeStatus"
        ) $passed
        return $passed
    } finally {
        Stop-DatabaseCopy $Topology
        $client.Dispose()
    }
}


function Invoke-RedisAdmin {
    <#
        One command to a region's Redis over TLS as its admin ACL user (redis-cli --raw): the password reaches redis-cli
        in its environment (REDISCLI_AUTH) from run/secrets/redis-{region}-admin-password, never on its command line.
        Returns the reply's lines; throws when redis-cli fails or Redis answers an error.
    #>
    param($Topology, $Process, [string[]] $Command)
    $password = (Get-Content (Join-Path $Topology.RunDir 'secrets' "redis-$($Process.Region)-admin-password") -Raw).Trim()
    $start = [Diagnostics.ProcessStartInfo]::new('redis-cli')
    $ca = Join-Path (Get-PkiDir $Topology) 'ca.crt'
    foreach ($argument in @('--tls', '--cacert', $ca, '-h', '127.0.0.1', '-p', "$($Process.Port)", '--user', 'admin', '--raw') + $Command) {
        $start.ArgumentList.Add($argument)
    }
    $start.Environment['REDISCLI_AUTH'] = $password
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $cli = [Diagnostics.Process]::Start($start)
    try {
        $output = $cli.StandardOutput.ReadToEnd()
        $errors = $cli.StandardError.ReadToEnd()
        $cli.WaitForExit()
        $lines = @($output -split "`n" | ForEach-Object { $_.TrimEnd("`r") } | Where-Object { $_ -ne '' })
        if ($cli.ExitCode -ne 0 -or ($lines.Count -gt 0 -and $lines[0] -match '^(ERR|WRONGPASS|NOPERM|NOAUTH)')) {
            throw "redis-cli $($Command -join ' ') on $($Process.Name) failed ($($cli.ExitCode)): $output $errors"
        }
        return $lines
    }
    finally { $cli.Dispose() }
}

function Get-StoreListeners($Topology) {
    <# Every TLS listener of the stores, by the name rotate-certs reports: each etcd member's client and peer port, each Redis, each database member's PostgreSQL and Patroni REST API. #>
    foreach ($member in Get-Processes $Topology -Kind etcd) {
        [pscustomobject]@{ Name = "$($member.Name) (clients)"; Process = $member; Port = $member.Port; StartTls = '' }
        [pscustomobject]@{ Name = "$($member.Name) (peers)"; Process = $member; Port = $member.PeerPort; StartTls = '' }
    }
    foreach ($redis in Get-Processes $Topology -Kind redis) { [pscustomobject]@{ Name = $redis.Name; Process = $redis; Port = $redis.Port; StartTls = '' } }
    Get-DatabaseListeners $Topology
}

function Update-StoreCertificates {
    <#
        New certificates for the stores, without a restart, each the way its server takes one:
          etcd   the members' own certificates (clients' and peers' listeners share one) and the etcd identities of the
                 services (control-plane, each edge, deploy's probe) are reissued in place. etcd 3.4 reads its
                 certificate files on every TLS handshake, client and peer alike (checked against 3.4.23: the next
                 handshake presents the new serial, no signal needed), and the services' etcd clients reread theirs on
                 the next connection (EdgeImages.Etcd's ReloadingCertificate). Nothing is restarted, so quorum is never
                 at stake. The nameless gateway certificates (Patroni's, the bootstrap's) stay: their clients are not
                 known to reread them, and they identify nobody (a password does).
          Redis  the server's certificate is reissued at the paths the running server reports (CONFIG GET), then
                 CONFIG SET tls-cert-file/tls-key-file/tls-ca-cert-file, sent over TLS as the admin ACL user: Redis 7
                 builds a new TLS context, which new connections get; open ones (the edges') keep theirs.
          PostgreSQL and Patroni's REST API: reissued in place, then Patroni gets SIGHUP (Update-DatabaseCertificates).
        Returns the issued certificates by listener name (see Get-StoreListeners), for the check that each presents it.
    #>
    param($Topology)
    $ca = New-DeploymentCa -Directory (Get-PkiDir $Topology)
    $etcdDirectory = Join-Path (Get-PkiDir $Topology) 'etcd'
    $issued = @{}
    try {
        foreach ($member in Get-Processes $Topology -Kind etcd) {
            $certificate = New-ServiceCertificate -Ca $ca -Name $member.Name -Usage ServerAndClient -Directory $etcdDirectory
            $issued["$($member.Name) (clients)"] = $certificate
            $issued["$($member.Name) (peers)"] = $certificate
        }
        $users = @('control-plane', 'etcd-probe') + @(Get-Processes $Topology -Kind edge | ForEach-Object { Get-EdgeEtcdUser $_ })
        foreach ($user in $users) {
            # Only identities up made: the common name is the etcd user, so the name stays and the key pair changes.
            if (Test-Path (Join-Path $etcdDirectory "$user.crt")) {
                $issued["etcd user $user"] = New-ServiceCertificate -Ca $ca -Name $user -Usage Client -Directory $etcdDirectory
            }
        }
        foreach ($redis in Get-Processes $Topology -Kind redis) {
            if (-not (Get-RunningPid $Topology $redis)) { continue }
            $files = @{}
            foreach ($setting in 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file') {
                $reply = @(Invoke-RedisAdmin $Topology $redis @('CONFIG', 'GET', $setting))
                if ($reply.Count -ne 2 -or -not $reply[1]) { throw "$($redis.Name) reports no $setting; is it the TLS Redis up starts?" }
                $files[$setting] = $reply[1]
            }
            # A Redis Cluster node presents its certificate as a client too (the cluster bus demands one): it keeps that use.
            $usage = if ($redis.Cluster) { 'ServerAndClient' } else { 'Server' }
            $certificate = New-ServiceCertificate -Ca $ca -Name ([IO.Path]::GetFileNameWithoutExtension($files['tls-cert-file'])) -Usage $usage `
                -Directory (Split-Path $files['tls-cert-file'])
            if ($certificate.KeyPath -ne $files['tls-key-file']) {
                throw "$($redis.Name) reads its key from $($files['tls-key-file']), not beside its certificate ($($certificate.KeyPath)): not rotated."
            }
            # The same paths, now holding the new pair: setting them makes Redis load the files again.
            $answer = @(Invoke-RedisAdmin $Topology $redis @('CONFIG', 'SET', 'tls-cert-file', $files['tls-cert-file'],
                    'tls-key-file', $files['tls-key-file'], 'tls-ca-cert-file', $files['tls-ca-cert-file']))
            if ($answer[0] -ne 'OK') { throw "CONFIG SET tls-* on $($redis.Name) answered: $($answer -join ' ')" }
            $issued[$redis.Name] = $certificate
        }
    }
    finally { $ca.Certificate.Dispose() }
    $database = Update-DatabaseCertificates $Topology
    foreach ($name in $database.Keys) { $issued[$name] = $database[$name] }
    return $issued
}

function Invoke-RotateCertificates {
    <#
        deploy.ps1 rotate-certs: a new certificate for every service instance and every store from the deployment CA,
        under traffic from every region, with no restart. The files are replaced by rename; each .NET service rereads
        them within Tls:ReloadInterval, etcd on its next handshake, Redis on CONFIG SET (Update-StoreCertificates), and
        each presents the new certificate on new connections, while open ones finish on the old (still valid) one.
        Reports each listener's old and new serial; throws when a request failed meanwhile or a listener did not take
        its new certificate.
    #>
    param($Topology, [int] $TimeoutSeconds = 60)
    $services = @($Topology.Processes | Where-Object { $_.Kind -in 'edge', 'origin', 'control-plane' -and (Get-RunningPid $Topology $_) })
    if (-not $services) { throw 'Nothing runs; rotate-certs rotates the certificates of a running topology (deploy.ps1 up).' }
    $listeners = @($services | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Process = $_; Port = $_.Port; StartTls = '' } }) +
        @(Get-StoreListeners $Topology | Where-Object { Get-RunningPid $Topology $_.Process })
    $before = @{}
    foreach ($listener in $listeners) { $before[$listener.Name] = Get-PresentedCertificate $Topology $listener.Port -StartTls $listener.StartTls }

    $stopFile = Join-Path $Topology.RunDir 'rotate.stop'
    Remove-Item -Force -ErrorAction SilentlyContinue $stopFile
    $clients = Start-RegionTraffic $Topology $stopFile
    try {
        Start-Sleep -Seconds 2
        $issued = @{}
        foreach ($certificate in Initialize-Certificates $Topology -Rotate) { $issued[$certificate.Name] = $certificate }
        $stores = Update-StoreCertificates $Topology
        foreach ($name in $stores.Keys) { $issued[$name] = $stores[$name] }
        Write-Host "  issued $($issued.Count) certificates; waiting for every listener to present its new one"
        Wait-Until -TimeoutSeconds $TimeoutSeconds -What 'every listener to present its new certificate' {
            @($listeners | Where-Object { (Get-PresentedCertificate $Topology $_.Port -StartTls $_.StartTls) -ne $issued[$_.Name].Serial }).Count -eq 0
        }
        # deploy's own client certificate was renewed too: later calls present the new one.
        Use-DeploymentTrust $Topology
        # A little more traffic on the new certificates before the verdict.
        Start-Sleep -Seconds 2
    } finally {
        New-Item -ItemType File -Force -Path $stopFile | Out-Null
        $traffic = @($clients | Receive-Job -Wait -AutoRemoveJob)
        Remove-Item -Force -ErrorAction SilentlyContinue $stopFile
    }
    $rows = foreach ($listener in $listeners) {
        [pscustomobject]@{
            Listener = $listener.Name; Port = $listener.Port; 'Old serial' = $before[$listener.Name]; 'New serial' = $issued[$listener.Name].Serial
            'Valid until (UTC)' = $issued[$listener.Name].NotAfter.ToString('yyyy-MM-dd HH:mm')
        }
    }
    $rows | Format-Table -AutoSize | Out-String | Write-Host
    $failed = @($traffic | Where-Object { $_.Status -ne 200 })
    $identities = @($issued.Keys | Where-Object { $_ -notin $listeners.Name }).Count
    Write-Host "Rotated the certificates of $($listeners.Count) listeners and $identities client identities without a restart; traffic meanwhile: $($traffic.Count) requests, $($failed.Count) failed$(Format-Failures $failed)."
    if ($failed.Count -gt 0) { throw "rotate-certs broke its promise: $($failed.Count) requests failed during the rotation." }
}

Export-ModuleMember -Function Invoke-Rolling, Invoke-Drill, Invoke-RotateCertificates
