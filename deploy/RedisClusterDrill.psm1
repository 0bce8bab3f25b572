# The drill redis-primary: one primary of a region's Redis Cluster (up -RedisCluster) killed under traffic. Its replica
# must take over; meanwhile the edge answers every request (L2 failures are misses, never errors). The figure it
# reports is the L2 gap: how long, from the kill, requests that L2 should have answered were misses instead.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')
Import-Module (Join-Path $PSScriptRoot 'Services.psm1')
Import-Module (Join-Path $PSScriptRoot 'Stores.psm1')
Import-Module (Join-Path $PSScriptRoot 'Traffic.psm1')

function Invoke-RedisPrimaryDrill {
    <#
        One edge of the region fills L2 with a catalogue of variants; the other then asks for each of them once, ten a
        second, so every answer says whether L2 served it (HIT-REDIS) or not (MISS: fetched and transformed again). A
        quarter into the run a primary is killed (SIGKILL). Reported: requests and failures (promise: none), L2 misses
        before and after the kill, the L2 gap (from the kill to the last L2 miss), which node took over, and how long
        the old primary took to rejoin as a replica once restarted. Returns $true when no request failed and L2
        served again before the run ended.
    #>
    param($Topology, [string] $Region, [int] $Seconds)
    $edges = @(Get-Processes $Topology -Kind edge -Region $Region)
    if ($edges.Count -lt 2) { throw "The redis-primary drill needs two edges in ${Region}: one fills L2, the other reads it." }
    if (-not @(Get-Processes $Topology -Kind redis -Region $Region | Where-Object { $_.Cluster })) {
        throw "The L2 of $Region is one Redis, not a cluster: run up -RedisCluster (or the redis drill)."
    }
    $filler, $reader = "https://127.0.0.1:$($edges[1].Port)", "https://127.0.0.1:$($edges[0].Port)"
    $secrets = Get-Secrets $Topology
    $client = Get-HttpClient
    # Small JPEG variants: cheap to make (the decoder scales by DCT), so a refill costs the edge little. A quality of
    # this run's own, so that no edge holds them in memory from an earlier run.
    $quality = Get-Random -Minimum 40 -Maximum 96
    $paths = @(0..(10 * $Seconds - 1) | ForEach-Object {
        [pscustomobject]@{ Width = 32 + $_; Path = New-SignedPath $secrets.SigningKeyId $secrets.SigningKey "w:$(32 + $_),q:$quality,f:jpeg" 'demo' 'photos/rose.jpg' }
    })
    $get = {
        param($url)
        $limit = [Threading.CancellationTokenSource]::new(10000)
        try {
            $response = $client.GetAsync($url, $limit.Token).GetAwaiter().GetResult()
            $cache = if ($response.Headers.Contains('X-Cache')) { $response.Headers.GetValues('X-Cache') | Select-Object -First 1 } else { '' }
            $answer = [pscustomobject]@{ Status = [int]$response.StatusCode; Cache = $cache }
            $response.Dispose()
            return $answer
        } catch { return [pscustomobject]@{ Status = 0; Cache = '' } } finally { $limit.Dispose() }
    }

    Write-Host "  filling L2 of $Region with $($paths.Count) variants through $($edges[1].Name)"
    foreach ($path in $paths) { & $get ($filler + $path.Path) | Out-Null }
    # L2 writes land just after their responses.
    Start-Sleep -Seconds 1
    $victim = @(Get-RedisPrimaries $Topology $Region)[0]
    # This run's variants in the victim's slots, by width (their L2 keys hold the canonical options: f:jpeg,q:Q,w:N):
    # the ones the kill takes away until the replica serves them. A variant whose L2 write was dropped (over budget)
    # is a miss however L2 fares, so it is not one of them.
    $onVictim = @{}
    foreach ($key in (Invoke-RedisCli $Topology $victim @('keys', 'edge:demo/photos/rose.jpg@*')) -split "`n") {
        if ($key.Trim() -match "[|,]q:$quality\b.*[|,]w:(\d+)\b" -or $key.Trim() -match "[|,]w:(\d+),.*q:$quality\b") { $onVictim[[int]$Matches[1]] = $true }
    }
    $primariesBefore = @(Get-RedisPrimaries $Topology $Region | ForEach-Object Name)
    $killAt = [Math]::Max(2, [int]($Seconds / 4))
    $killedAt = $null
    $records = [Collections.Generic.List[object]]::new()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($path in $paths) {
        if ($clock.Elapsed.TotalSeconds -ge $Seconds) { break }
        if (-not $killedAt -and $clock.Elapsed.TotalSeconds -ge $killAt) {
            Stop-Abruptly $Topology $victim
            $killedAt = $clock.Elapsed.TotalSeconds
        }
        $at = $clock.Elapsed.TotalSeconds
        $answer = & $get ($reader + $path.Path)
        $records.Add([pscustomobject]@{ At = $at; Status = $answer.Status; Cache = $answer.Cache; OnVictim = $onVictim.ContainsKey($path.Width) })
        $pause = 100 - ($clock.Elapsed.TotalMilliseconds % 100)
        Start-Sleep -Milliseconds ([int]$pause)
    }
    if (-not $killedAt) { throw 'The drill ended before it killed anything; give it more -DrillSeconds.' }

    $failed = @($records | Where-Object { $_.Status -ne 200 })
    $before = @($records | Where-Object { $_.At -lt $killedAt })
    $after = @($records | Where-Object { $_.At -ge $killedAt })
    # The gap: from the kill to the last miss of a variant in the killed primary's slots, after which they are hits.
    $victimAfter = @($after | Where-Object OnVictim)
    $victimMisses = @($victimAfter | Where-Object { $_.Cache -ne 'HIT-REDIS' })
    $back = $victimAfter.Count -gt 0 -and $victimAfter[-1].Cache -eq 'HIT-REDIS'
    $gap = if ($victimMisses) { $victimMisses[-1].At - $killedAt } else { 0 }
    $otherMisses = @($after | Where-Object { -not $_.OnVictim -and $_.Cache -ne 'HIT-REDIS' })
    $takenOver = @(Get-RedisPrimaries $Topology $Region | Where-Object { $_.Name -notin $primariesBefore } | ForEach-Object Name)

    Write-Host "  restarting $($victim.Name)"
    $rejoin = [Diagnostics.Stopwatch]::StartNew()
    Start-IfStopped $Topology $victim
    Wait-Until -TimeoutSeconds 60 -What "the Redis Cluster of $Region to be healthy again" { Test-RedisClusterHealthy $Topology $Region }
    $role = ((Invoke-RedisCli $Topology $victim @('role')) -split "`n")[0].Trim()

    $passed = $failed.Count -eq 0 -and $back
    Write-Host ''
    Write-Host "Drill: a Redis Cluster primary of $Region killed"
    Write-Host "  requests: $($records.Count), failed: $($failed.Count) (promise: none)"
    Write-Host ("  {0} killed at {1:N1} s; {2} took over" -f $victim.Name, $killedAt, $(if ($takenOver) { $takenOver -join ', ' } else { 'no replica (yet)' }))
    Write-Host ("  L2 misses: {0} of {1} before the kill; after it {2} of {3} in the killed primary's slots, {4} of {5} elsewhere (the breaker's cooldown)" -f `
        @($before | Where-Object { $_.Cache -ne 'HIT-REDIS' }).Count, $before.Count, $victimMisses.Count, $victimAfter.Count, $otherMisses.Count, ($after.Count - $victimAfter.Count))
    Write-Host ("  L2 gap: {0:N1} s from the kill to the last L2 miss in its slots; L2 serving them again at the end of the run: {1}" -f $gap, $back)
    Write-Host ("  {0} restarted and the cluster healthy again in {1:N1} s, {0} now a {2}" -f $victim.Name, $rejoin.Elapsed.TotalSeconds, $(if ($role -eq 'slave') { 'replica' } else { $role }))
    Write-Host ("  Result: {0}" -f ($(if ($passed) { 'PASSED' } else { 'FAILED: a promise was broken' })))
    return $passed
}

Export-ModuleMember -Function Invoke-RedisPrimaryDrill
