<#
.SYNOPSIS
    Build Gristmill's Windows installer: build\Gristmill-VERSION-windows-x64-setup.exe

.DESCRIPTION
    From any folder:  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1

    1. py -3.11-64 packaging\build.py --self-test: builds build\dist\Gristmill\ (gristmill-desktop.exe,
       gristmill.exe, _internal\) in a clean environment and runs the frozen app's self-test.
    2. Converts build\icon\gristmill.png to build\icon\gristmill.ico (the installer's icon).
    3. With GRISTMILL_SIGN_CERT set: signs gristmill-desktop.exe, gristmill.exe and every DLL and
       extension module without a vendor signature with signtool
       and checks them again (gristmill.exe --version).
    4. iscc packaging\windows\gristmill.iss: the installer. When signing, Inno Setup signs the
       installer and the uninstaller it writes with the same command (its SignTool mechanism).

    Environment:
      GRISTMILL_SIGN_CERT      code-signing certificate: the SHA-1 thumbprint of a certificate in
                               the current user's certificate store (a hardware token or cloud HSM
                               shows up there too), or the path of a .pfx file. Unset: no signing.
      GRISTMILL_SIGN_PASSWORD  the .pfx file's password (only with a .pfx file).
      GRISTMILL_TIMESTAMP_URL  RFC 3161 time-stamp server (default http://timestamp.digicert.com).
      SIGNTOOL, ISCC           full paths of signtool.exe / ISCC.exe when they are not on PATH or
                               in their default install folders.
#>
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
$Build = Join-Path $Root 'build'
$Dist = Join-Path $Build 'dist\Gristmill'
$VenvPython = Join-Path $Build 'packaging-venv\Scripts\python.exe'
$Script = Join-Path $PSScriptRoot 'gristmill.iss'

function Write-Step([string]$Message) {
    Write-Host "[build.ps1] $Message"
}

# Run a program; stop when it fails (PowerShell does not stop on a native exit code by itself).
# -Secret: a value (a password) shown as *** in the echoed command line.
function Invoke-Native {
    param(
        [Parameter(Mandatory = $true)][string]$Exe,
        [string[]]$Arguments = @(),
        [string]$Secret = ''
    )
    $shown = $Arguments | ForEach-Object { if ($Secret) { $_.Replace($Secret, '***') } else { $_ } }
    Write-Step "`$ $Exe $($shown -join ' ')"
    # Windows PowerShell 5.1 can turn a program's stderr lines into errors, which 'Stop' would
    # make fatal: judge the program by its exit code only.
    $saved = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        & $Exe @Arguments
    } finally {
        $ErrorActionPreference = $saved
    }
    if ($LASTEXITCODE -ne 0) {
        throw "$Exe exited with code $LASTEXITCODE"
    }
}

function Find-Tool([string]$EnvValue, [string]$Name, [string[]]$Candidates, [string]$Hint) {
    if ($EnvValue) {
        if (-not (Test-Path -LiteralPath $EnvValue -PathType Leaf)) { throw "$Name not found at $EnvValue" }
        return $EnvValue
    }
    $command = Get-Command $Name -ErrorAction SilentlyContinue
    if ($command) { return $command.Source }
    foreach ($candidate in $Candidates) {
        if ($candidate -and (Test-Path -LiteralPath $candidate -PathType Leaf)) { return $candidate }
    }
    throw "$Name not found: $Hint"
}

function Find-SignTool {
    # The Windows SDK's "Signing Tools": Windows Kits\10\bin\<sdk version>\x64\signtool.exe.
    $kits = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\bin'
    $candidates = @()
    if (Test-Path -LiteralPath $kits) {
        $candidates = @(Get-ChildItem -Path $kits -Filter signtool.exe -Recurse -ErrorAction SilentlyContinue |
            Where-Object { $_.Directory.Name -eq 'x64' } |
            Sort-Object -Property FullName -Descending |
            ForEach-Object { $_.FullName })
    }
    return Find-Tool $env:SIGNTOOL 'signtool.exe' $candidates 'install the Windows SDK (Signing Tools for Desktop Apps) or set SIGNTOOL'
}

function Find-Iscc {
    $candidates = @(
        (Join-Path ${env:ProgramFiles(x86)} 'Inno Setup 6\ISCC.exe'),
        (Join-Path $env:ProgramFiles 'Inno Setup 6\ISCC.exe'),
        (Join-Path $env:LOCALAPPDATA 'Programs\Inno Setup 6\ISCC.exe')
    )
    return Find-Tool $env:ISCC 'iscc.exe' $candidates 'install Inno Setup 6 (https://jrsoftware.org/isdl.php) or set ISCC'
}

Push-Location $Root
try {
    # 1. The one-folder app, built in a clean environment and checked by its own self-test.
    # -3.11-64: a 32-bit Python 3.11 alone on the machine would make an x86 app in an x64 installer.
    Invoke-Native 'py' @('-3.11-64', (Join-Path $Root 'packaging\build.py'), '--self-test')
    foreach ($exe in @('gristmill-desktop.exe', 'gristmill.exe')) {
        if (-not (Test-Path -LiteralPath (Join-Path $Dist $exe))) { throw "build.py did not make $Dist\$exe" }
    }

    $version = (& $VenvPython -c 'import engine; print(engine.__version__)' | Out-String).Trim()
    if ($LASTEXITCODE -ne 0 -or -not $version) { throw 'could not read engine.__version__' }
    # Windows version resources take up to four numbers: "0.1.0rc1" -> "0.1.0".
    $numericVersion = '0.0.0'
    if ($version -match '^\d+(\.\d+){0,3}') { $numericVersion = $Matches[0] }
    Write-Step "Gristmill $version"

    # 2. The installer's icon, from the PNG build.py rendered (Pillow is in the build environment).
    $png = Join-Path $Build 'icon\gristmill.png'
    $ico = Join-Path $Build 'icon\gristmill.ico'
    Invoke-Native $VenvPython @('-c', "from PIL import Image; Image.open(r'$png').save(r'$ico', sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])")

    # 3. Signing (optional).
    $isccArguments = @("/DAppVersion=$version", "/DAppNumericVersion=$numericVersion")
    $secret = ''
    $signTool = $null
    if ($env:GRISTMILL_SIGN_CERT) {
        $signTool = Find-SignTool
        $timestamp = 'http://timestamp.digicert.com'
        if ($env:GRISTMILL_TIMESTAMP_URL) { $timestamp = $env:GRISTMILL_TIMESTAMP_URL }
        $cert = $env:GRISTMILL_SIGN_CERT
        if (Test-Path -LiteralPath $cert -PathType Leaf) {
            $certArguments = @('/f', (Resolve-Path -LiteralPath $cert).Path)
            if ($env:GRISTMILL_SIGN_PASSWORD) {
                $secret = $env:GRISTMILL_SIGN_PASSWORD
                $certArguments += @('/p', $secret)
                Write-Step 'note: Inno Setup prints its sign command, password included; prefer a thumbprint in CI'
            }
        } else {
            # A thumbprint copied from the certificate dialog may hold spaces or invisible marks.
            $thumbprint = $cert -replace '[^0-9A-Fa-f]', ''
            if ($thumbprint.Length -ne 40) {
                throw 'GRISTMILL_SIGN_CERT is neither an existing .pfx file nor a 40-hex-digit certificate thumbprint'
            }
            $certArguments = @('/sha1', $thumbprint)
        }
        $signArguments = @('sign', '/fd', 'sha256', '/tr', $timestamp, '/td', 'sha256', '/d', 'Gristmill') + $certArguments

        $exes = @((Join-Path $Dist 'gristmill-desktop.exe'), (Join-Path $Dist 'gristmill.exe'))
        # Every program and library without a valid signature of its own: ours, and the wheels'
        # DLLs and extension modules (Smart App Control and antivirus heuristics look at each).
        # Files already signed by their vendor (Qt, Microsoft runtimes) keep that signature.
        $unsigned = @(Get-ChildItem -LiteralPath $Dist -Recurse -File -Include '*.exe', '*.dll', '*.pyd' |
            Where-Object { (Get-AuthenticodeSignature -LiteralPath $_.FullName).Status -ne 'Valid' } |
            ForEach-Object { $_.FullName })
        Write-Step "signing $($unsigned.Count) files"
        for ($start = 0; $start -lt $unsigned.Count; $start += 50) {  # command lines have a length limit
            $batch = $unsigned[$start..([math]::Min($start + 49, $unsigned.Count - 1))]
            Invoke-Native $signTool ($signArguments + $batch) -Secret $secret
        }
        Invoke-Native $signTool (@('verify', '/pa') + $exes)
        # A signed PyInstaller executable must still find its bundled archive.
        Invoke-Native (Join-Path $Dist 'gristmill.exe') @('--version')

        # The same command for Inno Setup: $q is a quote, $f the file to sign, $$ a dollar sign.
        $innoWords = @($signTool) + $signArguments | ForEach-Object {
            $word = $_ -replace '\$', '$$$$'
            if ($word -match '\s') { "`$q$word`$q" } else { $word }
        }
        $isccArguments += @("/Sgristmillsign=$($innoWords -join ' ') `$f", '/DSignToolName=gristmillsign')
    } else {
        Write-Step 'GRISTMILL_SIGN_CERT is not set: the executables and the installer stay unsigned'
    }

    # 4. The installer.
    $iscc = Find-Iscc
    Invoke-Native $iscc ($isccArguments + @($Script)) -Secret $secret
    $setup = Join-Path $Build "Gristmill-$version-windows-x64-setup.exe"
    if (-not (Test-Path -LiteralPath $setup)) { throw "iscc did not make $setup" }
    if ($signTool) {
        Invoke-Native $signTool @('verify', '/pa', $setup)
    }
    $size = [math]::Round((Get-Item -LiteralPath $setup).Length / 1MB)
    Write-Step "built $setup ($size MiB)"
} finally {
    Pop-Location
}
