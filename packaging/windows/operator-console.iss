; Inno Setup script for Operator Console on Windows (NOT VERIFIED in this project's CI: it is
; built by .github/workflows/build-installers.yml on a windows-latest runner).
;
; Input:  dist\operator-console\  (PyInstaller, packaging/operator-console.spec on Windows:
;         console-app.exe for the window, console-app-cli.exe for commands and --self-test)
; Output: dist\operator-console-<version>-setup.exe
; Build:  iscc /DAppVersion=0.1.0 packaging\windows\operator-console.iss   (build.ps1 does it)

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<version> operator-console.iss
#endif

[Setup]
; A fixed AppId makes upgrades replace the installed version instead of installing a second one.
AppId={{7C1E5D9A-2F4B-4C36-9E0A-5B8D1F3A6C42}
AppName=Operator Console
AppVersion={#AppVersion}
AppVerName=Operator Console {#AppVersion}
AppPublisher=Operator Console developers
DefaultDirName={autopf}\Operator Console
DefaultGroupName=Operator Console
DisableProgramGroupPage=yes
; Per-user install without admin rights is offered; per-machine when run elevated.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=operator-console-{#AppVersion}-setup
SetupIconFile=..\..\build\icons\operator-console.ico
UninstallDisplayIcon={app}\console-app.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\operator-console\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Operator Console"; Filename: "{app}\console-app.exe"
Name: "{autodesktop}\Operator Console"; Filename: "{app}\console-app.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\console-app.exe"; Description: "{cm:LaunchProgram,Operator Console}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The bundle's own byte-code caches; user data (%LOCALAPPDATA%\operator-console) is kept.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
