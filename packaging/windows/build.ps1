# Build the Windows installer: PyInstaller folder + Inno Setup wizard.
# NOT VERIFIED in this project's CI (see .github/workflows/build-installers.yml, which runs it
# on windows-latest). Run from the repository root in a venv with the project installed:
#   python -m pip install -e ".[package]"
#   pwsh packaging/windows/build.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$version = python -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
Write-Host "build: Operator Console $version for Windows"

python -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/operator-console.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

$said = & dist\operator-console\console-app-cli.exe --version
if ($said -ne "console-app $version") { throw "the bundle says '$said', expected 'console-app $version'" }

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\windows\operator-console.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-Item "dist\operator-console-$version-setup.exe" | Format-List Name, Length
