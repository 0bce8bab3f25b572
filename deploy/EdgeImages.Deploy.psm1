# The machinery behind deploy.ps1, kept apart from it so that the test suite's smaller topology runs the same code.
# One module per concern, each importing only what it uses:
#   Topology   the processes as data: kinds, regions, ports, folders, where each region is on the map
#   Secrets    one file per secret under run/secrets/ (mode 600), handed to services in their environment
#   Certificates  the deployment CA and a certificate per service instance under run/pki/ (keys mode 600)
#   Processes  start, check and stop a process by its recorded PID
#   Stores     etcd and Redis over TLS with authentication: certificates, ACL users, etcd users and roles
#   Database   PostgreSQL under Patroni, its WAL archive and base backups, point-in-time recovery into a temporary copy
#   Services   each kind of service: publish, start, configure, seed, probe; up and down
#   Traffic    signed client traffic as a region's users send it; hit ratios
#   Drills     the rolling replacement of the edges, the failure drills and rotate-certs, under traffic
# This module adds `status` and exports the commands deploy.ps1 runs.

Set-StrictMode -Version Latest

foreach ($module in 'Topology', 'Secrets', 'Certificates', 'Processes', 'Stores', 'Database', 'Services', 'Traffic', 'Drills') {
    Import-Module (Join-Path $PSScriptRoot "$module.psm1") -Force
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

Export-ModuleMember -Function New-Topology, Get-Processes, Get-Secrets, Invoke-Up, Invoke-Down, Invoke-Status, Invoke-Rolling, `
    Invoke-Drill, Invoke-RotateCertificates, Use-DeploymentTrust, Get-RunningPid, Stop-Abruptly, Stop-Managed, Start-IfStopped, Test-Healthy, New-EtcdGatewayUser, `
    Invoke-BaseBackup, Get-BaseBackups
