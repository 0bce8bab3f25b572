# Operations under traffic: the rolling replacement of the edges, and the drills that break one part (a region,
# an origin node, an etcd member, a region's Redis), report what clients saw, and bring it back.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')
Import-Module (Join-Path $PSScriptRoot 'Services.psm1')
Import-Module (Join-Path $PSScriptRoot 'Traffic.psm1')
Import-Module (Join-Path $PSScriptRoot 'Certificates.psm1')


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
    $module = Join-Path $PSScriptRoot 'Traffic.psm1'
    $clients = foreach ($region in $Topology.Regions) {
        Start-ThreadJob -ArgumentList $module, $Topology, $region, $stopFile -ScriptBlock {
            param($module, $topology, $region, $stopFile)
            Import-Module $module
            Invoke-Traffic $topology -Region $region -Seconds 3600 -StopFile $stopFile
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
    }
}

function Invoke-RegionOutageDrill($Topology, [string] $Region, [int] $Seconds, [int] $ExclusionPromise) {
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

function Invoke-RotateCertificates {
    <#
        deploy.ps1 rotate-certs: a new certificate for every service instance from the deployment CA, under traffic from
        every region, with no restart. The files are replaced by rename; each service rereads them within
        Tls:ReloadInterval and presents the new certificate on new connections, while open ones finish on the old (still
        valid) one. Reports each service's old and new serial; throws when a request failed meanwhile or a service did
        not take its new certificate.
    #>
    param($Topology, [int] $TimeoutSeconds = 60)
    $services = @($Topology.Processes | Where-Object { $_.Kind -in 'edge', 'origin', 'control-plane' -and (Get-RunningPid $Topology $_) })
    if (-not $services) { throw 'Nothing runs; rotate-certs rotates the certificates of a running topology (deploy.ps1 up).' }
    $before = @{}
    foreach ($service in $services) { $before[$service.Name] = Get-PresentedCertificate $Topology $service.Port }

    $stopFile = Join-Path $Topology.RunDir 'rotate.stop'
    Remove-Item -Force -ErrorAction SilentlyContinue $stopFile
    $module = Join-Path $PSScriptRoot 'Traffic.psm1'
    $clients = foreach ($region in $Topology.Regions) {
        Start-ThreadJob -ArgumentList $module, $Topology, $region, $stopFile -ScriptBlock {
            param($module, $topology, $region, $stopFile)
            Import-Module $module
            Invoke-Traffic $topology -Region $region -Seconds 3600 -StopFile $stopFile
        }
    }
    try {
        Start-Sleep -Seconds 2
        $issued = @{}
        foreach ($certificate in Initialize-Certificates $Topology -Rotate) { $issued[$certificate.Name] = $certificate }
        Write-Host "  issued $($issued.Count) certificates; waiting for every service to present its new one"
        Wait-Until -TimeoutSeconds $TimeoutSeconds -What 'every service to present its new certificate' {
            @($services | Where-Object { (Get-PresentedCertificate $Topology $_.Port) -ne $issued[$_.Name].Serial }).Count -eq 0
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
    $rows = foreach ($service in $services) {
        [pscustomobject]@{
            Service = $service.Name; 'Old serial' = $before[$service.Name]; 'New serial' = $issued[$service.Name].Serial
            'Valid until (UTC)' = $issued[$service.Name].NotAfter.ToString('yyyy-MM-dd HH:mm')
        }
    }
    $rows | Format-Table -AutoSize | Out-String | Write-Host
    $failed = @($traffic | Where-Object { $_.Status -ne 200 })
    Write-Host "Rotated $($services.Count) certificates without a restart; traffic meanwhile: $($traffic.Count) requests, $($failed.Count) failed$(Format-Failures $failed)."
    if ($failed.Count -gt 0) { throw "rotate-certs broke its promise: $($failed.Count) requests failed during the rotation." }
}

Export-ModuleMember -Function Invoke-Rolling, Invoke-Drill, Invoke-RotateCertificates
