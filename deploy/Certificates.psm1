# The deployment's own certificate authority and one certificate per service instance, made with .NET's certificate
# APIs (no openssl needed): PEM files under run/pki/, every private key mode 600 from its first byte. Services pin
# the CA's certificate (run/pki/ca.crt) as their only trust anchor for each other; nothing here touches the system
# store. Production replaces this CA (README, "Security model: transport"); the file layout stays the same.

Set-StrictMode -Version Latest

# Oids of the extended key usages (RFC 5280 4.2.1.12): TLS server and TLS client authentication.
$script:ServerAuth = '1.3.6.1.5.5.7.3.1'
$script:ClientAuth = '1.3.6.1.5.5.7.3.2'

# Certificates start this far in the past so that a peer whose clock lags a little accepts them at once.
$script:ClockSkew = [TimeSpan]::FromMinutes(5)

function Get-PkiDir($Topology) { Join-Path $Topology.RunDir 'pki' }

function New-DeploymentCa {
    <#
        The deployment CA under $Directory (ca.crt, and ca.key mode 600), made on first use and loaded after that:
        every later call returns the same CA, so certificates issued across runs chain to one root. The folder is
        readable by others (servers running as another user, such as postgres, read their certificates there); the
        keys in it are not.
    #>
    param(
        [Parameter(Mandatory)] [string] $Directory,
        [string] $Name = 'EdgeImages deployment CA',
        [int] $Days = 3650
    )
    $certificatePath = Join-Path $Directory 'ca.crt'
    $keyPath = Join-Path $Directory 'ca.key'
    if (-not (Test-Path $certificatePath) -or -not (Test-Path $keyPath)) {
        New-Item -ItemType Directory -Force -Path $Directory | Out-Null
        $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        try {
            $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $key, [Security.Cryptography.HashAlgorithmName]::SHA256)
            $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $true, 0, $true))
            $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
                [Security.Cryptography.X509Certificates.X509KeyUsageFlags]'KeyCertSign, CrlSign, DigitalSignature', $true))
            $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
            $now = [DateTimeOffset]::UtcNow
            $ca = $request.CreateSelfSigned($now - $script:ClockSkew, $now.AddDays($Days))
            # The key first: a certificate without its key would make the next call load a CA it cannot sign with.
            Write-PemFile $keyPath $key.ExportPkcs8PrivateKeyPem() -Private
            Write-PemFile $certificatePath $ca.ExportCertificatePem()
            $ca.Dispose()
        }
        finally { $key.Dispose() }
    }
    $certificate = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($certificatePath, $keyPath)
    [pscustomobject]@{ CertificatePath = $certificatePath; KeyPath = $keyPath; Certificate = $certificate }
}

function New-ServiceCertificate {
    <#
        A certificate for one service instance, issued by $Ca (from New-DeploymentCa), written as
        {Directory}/{Name}.crt and {Name}.key (mode 600; with -Owner, owned by that user, for a server such as
        PostgreSQL that runs as another user and insists on owning its key). Each file is replaced by a rename, so a
        service that rereads its files on change never sees half of one: running this again for a name is how a
        certificate is rotated. -SubjectAlternativeNames takes IP addresses and DNS names; -Usage says whether the
        certificate serves TLS, authenticates a client, or both (a service that also calls its peers).
        Returns the paths, the serial and the expiry.
    #>
    param(
        [Parameter(Mandatory)] $Ca,
        [Parameter(Mandatory)] [string] $Name,
        [string[]] $SubjectAlternativeNames = @('127.0.0.1', 'localhost'),
        [ValidateSet('Server', 'Client', 'ServerAndClient')] [string] $Usage = 'ServerAndClient',
        [Parameter(Mandatory)] [string] $Directory,
        [ValidateRange(1, 825)] [int] $Days = 30,
        [string] $Owner = ''
    )
    New-Item -ItemType Directory -Force -Path $Directory | Out-Null
    $key = [Security.Cryptography.ECDsa]::Create([Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    try {
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $key, [Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new(
            [Security.Cryptography.X509Certificates.X509KeyUsageFlags]'DigitalSignature, KeyAgreement', $true))
        $usages = [Security.Cryptography.OidCollection]::new()
        if ($Usage -ne 'Client') { [void]$usages.Add([Security.Cryptography.Oid]::new($script:ServerAuth)) }
        if ($Usage -ne 'Server') { [void]$usages.Add([Security.Cryptography.Oid]::new($script:ClientAuth)) }
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($usages, $false))
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
        $request.CertificateExtensions.Add(
            [Security.Cryptography.X509Certificates.X509AuthorityKeyIdentifierExtension]::CreateFromCertificate($Ca.Certificate, $true, $false))
        if ($SubjectAlternativeNames.Count -gt 0) {
            $names = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
            foreach ($san in $SubjectAlternativeNames) {
                $address = $null
                if ([Net.IPAddress]::TryParse($san, [ref]$address)) { $names.AddIpAddress($address) } else { $names.AddDnsName($san) }
            }
            $request.CertificateExtensions.Add($names.Build())
        }
        $now = [DateTimeOffset]::UtcNow
        $notAfter = $now.AddDays($Days)
        if ($notAfter -gt [DateTimeOffset]$Ca.Certificate.NotAfter) { $notAfter = [DateTimeOffset]$Ca.Certificate.NotAfter }
        # A random positive 16-byte serial (RFC 5280 asks for at most 20 bytes, unique per CA).
        $serial = [Security.Cryptography.RandomNumberGenerator]::GetBytes(16)
        $serial[0] = $serial[0] -band 0x7F
        $issued = $request.Create($Ca.Certificate, $now - $script:ClockSkew, $notAfter, $serial)
        try {
            $certificatePath = Join-Path $Directory "$Name.crt"
            $keyPath = Join-Path $Directory "$Name.key"
            # The key before the certificate: a service that reloads on the certificate's change then finds its new key.
            Write-PemFile $keyPath $key.ExportPkcs8PrivateKeyPem() -Private -Owner $Owner
            Write-PemFile $certificatePath $issued.ExportCertificatePem() -Owner $Owner
            [pscustomobject]@{
                Name = $Name; CertificatePath = $certificatePath; KeyPath = $keyPath
                Serial = $issued.SerialNumber; NotAfter = $issued.NotAfter.ToUniversalTime()
            }
        }
        finally { $issued.Dispose() }
    }
    finally { $key.Dispose() }
}

function Get-CertificateExpiry {
    <# When the certificate in a PEM file expires (UTC), and its serial: what status and the rotation report show. #>
    param([Parameter(Mandatory)] [string] $Path)
    $certificate = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content $Path -Raw))
    try { [pscustomobject]@{ Path = $Path; Serial = $certificate.SerialNumber; NotAfter = $certificate.NotAfter.ToUniversalTime() } }
    finally { $certificate.Dispose() }
}

function Write-PemFile {
    <#
        Writes $Text to a temporary file beside $Path, created with its final mode (600 for a key, so the secret is
        never in a file others may read), then renames it over $Path: readers see the old file or the new one.
    #>
    param([string] $Path, [string] $Text, [switch] $Private, [string] $Owner = '')
    $temporary = "$Path.$([Guid]::NewGuid().ToString('N').Substring(0, 8)).tmp"
    $options = [IO.FileStreamOptions]::new()
    $options.Mode = [IO.FileMode]::CreateNew
    $options.Access = [IO.FileAccess]::Write
    if (-not $IsWindows) {
        $options.UnixCreateMode = if ($Private) { [IO.UnixFileMode]'UserRead, UserWrite' } else { [IO.UnixFileMode]'UserRead, UserWrite, GroupRead, OtherRead' }
    }
    $stream = [IO.FileStream]::new($temporary, $options)
    try {
        $writer = [IO.StreamWriter]::new($stream)
        $writer.Write($Text.TrimEnd() + "`n")
        $writer.Flush()
    }
    finally { $stream.Dispose() }
    if ($Owner -and $IsLinux) { chown "${Owner}:${Owner}" $temporary }
    [IO.File]::Move($temporary, $Path, $true)
}

# The kinds of process that get a certificate here: the .NET services, each of which listens on HTTPS and calls its peers
# with the same identity (server and client usage). The data stores' certificates are issued where they are started.
$script:ServiceKinds = 'edge', 'origin', 'control-plane'

# The certificate deploy itself presents (health checks of the origin's edges' listener, the rotation's checks).
$script:OperatorName = 'deploy-operator'

function Get-ServiceCertificate {
    <# Where one service instance's certificate and key are: run/pki/{name}.crt and .key. #>
    param($Topology, $Process)
    $pki = Get-PkiDir $Topology
    [pscustomobject]@{ CertificatePath = Join-Path $pki "$($Process.Name).crt"; KeyPath = Join-Path $pki "$($Process.Name).key" }
}

function Get-OperatorCertificate($Topology) {
    $pki = Get-PkiDir $Topology
    [pscustomobject]@{ CertificatePath = Join-Path $pki "$script:OperatorName.crt"; KeyPath = Join-Path $pki "$script:OperatorName.key" }
}

function Initialize-Certificates {
    <#
        The deployment CA and one certificate per service instance (its loopback address and 'localhost' in the SAN),
        plus deploy's own client certificate. Idempotent: a certificate is issued when missing, expiring within
        -RenewWithinDays, or for every service with -Rotate (deploy.ps1 rotate-certs), which is all a rotation is: the
        services reread their files within Tls:ReloadInterval. Returns what it issued.
    #>
    param($Topology, [switch] $Rotate, [int] $RenewWithinDays = 10)
    $ca = New-DeploymentCa -Directory (Get-PkiDir $Topology)
    $issued = [System.Collections.Generic.List[object]]::new()
    $wanted = @($Topology.Processes | Where-Object { $_.Kind -in $script:ServiceKinds } | ForEach-Object {
            [pscustomobject]@{ Name = $_.Name; Files = Get-ServiceCertificate $Topology $_; Usage = 'ServerAndClient' } })
    $wanted += [pscustomobject]@{ Name = $script:OperatorName; Files = Get-OperatorCertificate $Topology; Usage = 'Client' }
    foreach ($certificate in $wanted) {
        $due = $Rotate -or -not (Test-Path $certificate.Files.CertificatePath) -or -not (Test-Path $certificate.Files.KeyPath) -or
            (Get-CertificateExpiry $certificate.Files.CertificatePath).NotAfter -lt [DateTime]::UtcNow.AddDays($RenewWithinDays)
        if ($due) {
            $issued.Add((New-ServiceCertificate -Ca $ca -Name $certificate.Name -SubjectAlternativeNames '127.0.0.1', 'localhost' `
                        -Usage $certificate.Usage -Directory (Get-PkiDir $Topology)))
        }
    }
    $ca.Certificate.Dispose()
    return $issued
}

function Get-ServiceTlsSettings {
    <#
        The settings that give one .NET service its HTTPS listeners, as Kestrel reads them (Kestrel:Endpoints,
        Kestrel:Certificates:Default), the pinned CA and the client certificate it presents to its peers. Paths only:
        the key's contents never reach a command line.
    #>
    param($Topology, $Process)
    $files = Get-ServiceCertificate $Topology $Process
    $settings = @{
        'Kestrel:Certificates:Default:Path' = $files.CertificatePath
        'Kestrel:Certificates:Default:KeyPath' = $files.KeyPath
        'Tls:CaPath' = Join-Path (Get-PkiDir $Topology) 'ca.crt'
        'Tls:ClientCertificate:Path' = $files.CertificatePath
        'Tls:ClientCertificate:KeyPath' = $files.KeyPath
    }
    if ($Process.Kind -eq 'origin') {
        # Edges read on their own listener, which demands a client certificate from the CA; tenants upload and list
        # on another, with API keys and no client certificate.
        $settings['Kestrel:Endpoints:Edges:Url'] = "https://127.0.0.1:$($Process.Port)"
        $settings['Kestrel:Endpoints:Edges:ClientCertificateMode'] = 'RequireCertificate'
        $settings['Kestrel:Endpoints:Tenants:Url'] = "https://127.0.0.1:$($Process.TenantPort)"
    } else {
        $settings['Kestrel:Endpoints:Https:Url'] = "https://127.0.0.1:$($Process.Port)"
    }
    return $settings
}

function Get-PresentedCertificate {
    <#
        The serial of the certificate a server presents on a brand-new connection, checked against the deployment CA
        (a chain policy, no callback), or $null when no handshake succeeds; -StartTls postgres asks for TLS first. Presents deploy's client certificate, so
        a listener that demands one answers too.
    #>
    param($Topology, [int] $Port, [ValidateSet('', 'postgres')] [string] $StartTls = '')
    $tcp = [Net.Sockets.TcpClient]::new()
    try {
        $tcp.Connect('127.0.0.1', $Port)
        if ($StartTls -eq 'postgres') {
            # PostgreSQL speaks TLS only after an SSLRequest (length 8, code 80877103) that it answers with 'S'.
            $stream = $tcp.GetStream()
            $stream.ReadTimeout = 3000
            $stream.Write([byte[]](0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F), 0, 8)
            if ($stream.ReadByte() -ne [byte][char]'S') { return $null }
        }
        $ssl = [Net.Security.SslStream]::new($tcp.GetStream())
        $options = [Net.Security.SslClientAuthenticationOptions]::new()
        $options.TargetHost = '127.0.0.1'
        $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
        $policy.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
        $policy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
        $roots = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
        $roots.ImportFromPemFile((Join-Path (Get-PkiDir $Topology) 'ca.crt'))
        $policy.CustomTrustStore.AddRange($roots)
        $options.CertificateChainPolicy = $policy
        $operator = Get-OperatorCertificate $Topology
        $options.ClientCertificates = [Security.Cryptography.X509Certificates.X509CertificateCollection]::new(
            @([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($operator.CertificatePath, $operator.KeyPath)))
        $limit = [Threading.CancellationTokenSource]::new(3000)
        # [void]: a finished Task's result would otherwise join this function's output.
        [void]$ssl.AuthenticateAsClientAsync($options, $limit.Token).GetAwaiter().GetResult()
        $serial = $ssl.RemoteCertificate.GetSerialNumberString()
        $ssl.Dispose()
        return $serial
    } catch { return $null } finally { $tcp.Dispose() }
}

Export-ModuleMember -Function Get-PkiDir, New-DeploymentCa, New-ServiceCertificate, Get-CertificateExpiry, Get-ServiceCertificate, `
    Get-OperatorCertificate, Initialize-Certificates, Get-ServiceTlsSettings, Get-PresentedCertificate
