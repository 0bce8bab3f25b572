# Processes started detached and known by the PIDs recorded for them: started, checked and stopped by that PID alone,
# never by a name, so nothing else on the machine is ever touched.

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'Topology.psm1')

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
    <#
        Starts one process detached, its output appended to its log, and records PID and start time. -Environment
        is added to the process's environment: the way secrets reach it, since its command line is public.
    #>
    param($Topology, $Process, [string] $FilePath, [string[]] $Arguments, [string] $AsUser, [hashtable] $Environment = @{})
    New-Item -ItemType Directory -Force -Path (Join-Path $Topology.RunDir 'pids'), (Join-Path $Topology.RunDir 'logs') | Out-Null
    $log = Get-LogFile $Topology $Process
    $quoted = (@($FilePath) + $Arguments | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    if ($AsUser -and (id -u) -eq '0') {
        # setpriv execs in place (unlike runuser, which stays as a parent), so the PID is the server's own.
        $quoted = "setpriv --reuid=$AsUser --regid=$AsUser --init-groups $quoted"
    }
    # Non-interactive bash has no job control, so the background job is no group leader and setsid execs in
    # place: $! is the server's PID, and the new session keeps it alive after this script exits. bash is started
    # with its own environment block rather than through this shell's, so a secret is set for it alone.
    $start = [Diagnostics.ProcessStartInfo]::new('bash')
    $start.ArgumentList.Add('-c')
    $start.ArgumentList.Add("setsid $quoted >> '$log' 2>&1 < /dev/null & echo `$!")
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = [string]$Environment[$name] }
    $bash = [Diagnostics.Process]::Start($start)
    $processId = $bash.StandardOutput.ReadToEnd().Trim()
    $bash.WaitForExit()
    $bash.Dispose()
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

function Set-HttpTrust {
    <#
        Every HTTPS call deploy makes from here on (health, admin API, traffic, drills) trusts the deployment CA alone
        and presents the operator's client certificate where a listener asks for one (the origin's edges' listener).
        Declared through the handler's chain policy, not a validation callback: a script block cannot run on the thread
        pool threads that call it. Kept process-wide (AppContext), so thread jobs and re-imported modules share it.
    #>
    param([Parameter(Mandatory)] [string] $CaPath, [string] $CertificatePath, [string] $KeyPath)
    $handler = [Net.Http.SocketsHttpHandler]::new()
    $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $roots = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
    $roots.ImportFromPemFile($CaPath)
    $policy.CustomTrustStore.AddRange($roots)
    $handler.SslOptions.CertificateChainPolicy = $policy
    if ($CertificatePath) {
        $client = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($CertificatePath, $KeyPath)
        $handler.SslOptions.ClientCertificates = [Security.Cryptography.X509Certificates.X509CertificateCollection]::new(@($client))
    }
    # Short-lived pooled connections: after a certificate rotation, new handshakes show the new certificates soon.
    $handler.PooledConnectionLifetime = [TimeSpan]::FromSeconds(30)
    $http = [Net.Http.HttpClient]::new($handler)
    $http.Timeout = [Threading.Timeout]::InfiniteTimeSpan
    [AppContext]::SetData('EdgeImages.Deploy.HttpClient', $http)
}

function Get-HttpClient {
    <# The one HttpClient of this deploy run (see Set-HttpTrust); per-call time limits come with a cancellation token. #>
    $http = [AppContext]::GetData('EdgeImages.Deploy.HttpClient')
    if (-not $http) {
        $http = [Net.Http.HttpClient]::new()
        $http.Timeout = [Threading.Timeout]::InfiniteTimeSpan
        [AppContext]::SetData('EdgeImages.Deploy.HttpClient', $http)
    }
    return $http
}

function Test-Http([string] $Url, [int] $TimeoutMs = 1500) {
    $limit = [Threading.CancellationTokenSource]::new($TimeoutMs)
    try {
        $response = (Get-HttpClient).GetAsync($Url, $limit.Token).GetAwaiter().GetResult()
        $status = [int]$response.StatusCode
        $response.Dispose()
        return $status
    } catch { return 0 } finally { $limit.Dispose() }
}

function Wait-Until {
    <# Polls a condition; the timeout is a hang guard that names what never happened. #>
    param([int] $TimeoutSeconds, [string] $What, [scriptblock] $Condition)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 100
    }
    throw "Timed out after $TimeoutSeconds s waiting for $What."
}

Export-ModuleMember -Function Get-RunningPid, Start-Managed, Stop-Managed, Stop-Abruptly, Set-HttpTrust, Get-HttpClient, Test-Http, Wait-Until
