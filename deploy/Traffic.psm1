# Client traffic as a region's users would send it: URLs signed as the SDK signs them, requests sent to the edge
# that routing names (or straight at one edge), every outcome recorded; and each edge's own account of its hits.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')
Import-Module (Join-Path $PSScriptRoot 'Secrets.psm1')
Import-Module (Join-Path $PSScriptRoot 'Processes.psm1')
Import-Module (Join-Path $PSScriptRoot 'Services.psm1')


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
        -OnTick runs once a second with that second and the time actually elapsed (later on a loaded machine), so a
        drill can break things mid-run and know when, on the clock of the records' At.
    #>
    param($Topology, [string] $Region, [int] $Seconds, [scriptblock] $OnTick, [scriptblock] $OnRoute, [string] $Target, [switch] $Cold, [string] $StopFile)
    $paths = if ($Cold) { Get-TrafficPaths $Topology -Count 3000 -Cold } else { Get-TrafficPaths $Topology }
    # The pinned HTTPS client of this deploy run (Set-HttpTrust), shared by threads; each request bounded on its own.
    $client = Get-HttpClient
    $results = [System.Collections.Generic.List[object]]::new()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $nextRoute = 0.0; $nextTick = 1; $base = $Target; $i = 0
    while ($clock.Elapsed.TotalSeconds -lt $Seconds -and -not ($StopFile -and (Test-Path $StopFile))) {
        if (-not $Target -and $clock.Elapsed.TotalSeconds -ge $nextRoute) {
            $pops = @(Get-Route $Topology $Region) # an array even when routing answered nothing (strict mode: $null has no Count)
            if ($OnRoute) { & $OnRoute $pops }
            $base = if ($pops.Count -gt 0) { $pops[0].edges[0].address.TrimEnd('/') } else { $null }
            $nextRoute = $clock.Elapsed.TotalSeconds + 0.5
        }
        if ($OnTick -and $clock.Elapsed.TotalSeconds -ge $nextTick) { & $OnTick $nextTick $clock.Elapsed.TotalSeconds; $nextTick++ }
        $status = 0; $cache = ''
        if ($base) {
            $limit = [Threading.CancellationTokenSource]::new(10000)
            try {
                $response = $client.GetAsync($base + $paths[$i % $paths.Count], $limit.Token).GetAwaiter().GetResult()
                $status = [int]$response.StatusCode
                $cache = ($response.Headers.GetValues('X-Cache') | Select-Object -First 1)
                $response.Dispose()
            } catch { $status = 0 } finally { $limit.Dispose() }
        }
        $results.Add([pscustomobject]@{ At = $clock.Elapsed.TotalSeconds; Target = $base; Status = $status; Cache = $cache })
        $i++
        Start-Sleep -Milliseconds 20
    }
    return $results
}

function Show-HitRatios {
    <# Each edge's own account of where its answers came from (its Prometheus counters). #>
    param($Topology)
    $rows = foreach ($edge in Get-Processes $Topology -Kind edge) {
        if (-not (Get-RunningPid $Topology $edge)) { continue }
        $limit = [Threading.CancellationTokenSource]::new(2000)
        $metrics = try { (Get-HttpClient).GetStringAsync("https://127.0.0.1:$($edge.Port)/metrics", $limit.Token).GetAwaiter().GetResult() } catch { '' } finally { $limit.Dispose() }
        $byTier = @{}
        foreach ($line in $metrics -split "`n") {
            if ($line -match '^edgeimages_requests_total\{(?<labels>[^}]*)\} (?<value>[0-9.e+]+)') {
                # Read the value before the label match below replaces $Matches.
                $value = [double]$Matches.value
                $tier = if ($Matches.labels -match 'cache="(?<t>[^"]+)"') { $Matches.t.ToUpperInvariant() } else { 'NONE' }
                $byTier[$tier] = ($byTier[$tier] ?? 0) + $value
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

Export-ModuleMember -Function New-SignedPath, Get-TrafficPaths, Invoke-Traffic, Show-HitRatios
