; Inno Setup 6 script: Gristmill's Windows installer (build\Gristmill-VERSION-windows-x64-setup.exe).
;
; Built by packaging\windows\build.ps1, which first builds and checks the one-folder app
; (build\dist\Gristmill\: gristmill-desktop.exe, the window; gristmill.exe, the command line;
; _internal\) and makes build\icon\gristmill.ico. By hand, from the repository root:
;     iscc /DAppVersion=0.1.0 packaging\windows\gristmill.iss
; Needs Inno Setup 6.3 or later (the x64compatible architecture name).
;
; Installs for the current user by default (no administrator rights: managed laptops), into
; %LOCALAPPDATA%\Programs\Gristmill; the first page offers "all users" (Program Files) to
; people who can elevate. Uninstalling removes the program only: projects (.gristmill files
; wherever the user saved them) and settings and logs (%LOCALAPPDATA%\Gristmill) are kept.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
; Windows version resources take numbers only (build.ps1 passes "0.1.0" for "0.1.0rc1").
#ifndef AppNumericVersion
  #define AppNumericVersion "0.0.0"
#endif
#define AppName "Gristmill"
#define AppPublisher "Gristmill team"
#define AppExeName "gristmill-desktop.exe"
#define CliExeName "gristmill.exe"
#define ProgId "Gristmill.Project"
; Relative paths are relative to this script's folder.
#define DistDir "..\..\build\dist\Gristmill"

[Setup]
; The AppId identifies Gristmill to Windows across versions (upgrades, uninstall entry): never
; change it. The doubled brace escapes the GUID's opening brace.
AppId={{290960EA-ADE6-4048-8F70-E33CF37AF886}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppCopyright=Copyright (C) {#AppPublisher}
VersionInfoVersion={#AppNumericVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} installer
; Per-user by default; "dialog" lets the user choose "install for all users" (and allows the
; /ALLUSERS and /CURRENTUSER command-line switches for silent installs).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; {autopf}: %LOCALAPPDATA%\Programs per user, C:\Program Files for all users.
DefaultDirName={autopf}\{#AppName}
DisableProgramGroupPage=yes
; The app is 64-bit only (Python 3.11 x64, Qt 6); Qt 6 needs Windows 10 or later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
ChangesAssociations=yes
; Tell running programs (Explorer, new consoles) when the "add to PATH" task changed PATH.
ChangesEnvironment=yes
UninstallDisplayName={#AppName} {#AppVersion}
UninstallDisplayIcon={app}\{#AppExeName}
SetupIconFile=..\..\build\icon\gristmill.ico
OutputDir=..\..\build
OutputBaseFilename=Gristmill-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
; The bundle is large: compress in a separate process so the compiler does not run out of memory.
LZMAUseSeparateProcess=yes
WizardStyle=modern
; build.ps1 defines SignToolName (and the sign command, with /S) when GRISTMILL_SIGN_CERT is
; set: Inno Setup then signs Setup and the uninstaller it writes, so neither runs unsigned.
#ifdef SignToolName
SignTool={#SignToolName}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "fileassoc"; Description: "Open .gristmill &project files with Gristmill"; GroupDescription: "File types:"
; Scheduled tasks do not need this: give Task Scheduler the full path of gristmill.exe.
Name: "addtopath"; Description: "Add the &gristmill command to PATH (for scripts and consoles; scheduled tasks can use the full path instead)"; GroupDescription: "Command line:"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the libraries folder whole: a file left over from the previous version
; (an extension module renamed by a library update) could otherwise be imported instead of the new one.
; Only in a folder that holds Gristmill: never another program's _internal.
Type: filesandordirs; Name: "{app}\_internal"; Check: IsGristmillFolder

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Comment: "Build, export and monitor predictive models offline"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; WorkingDir: "{app}"; Tasks: desktopicon

[Registry]
; .gristmill -> Gristmill.Project -> "gristmill-desktop.exe" "%1". HKA is HKCU\Software\Classes in a
; per-user install and HKLM\Software\Classes in an install for all users.
Root: HKA; Subkey: "Software\Classes\.gristmill"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKA; Subkey: "Software\Classes\.gristmill\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue; Tasks: fileassoc
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Gristmill project"; Flags: uninsdeletekey; Tasks: fileassoc
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExeName},0"; Tasks: fileassoc
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" ""%1"""; Tasks: fileassoc
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}"; Flags: uninsdeletekey; Tasks: fileassoc
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}\SupportedTypes"; ValueType: string; ValueName: ".gristmill"; ValueData: ""; Tasks: fileassoc

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[Code]
{ The "addtopath" task: add the install folder to PATH after installing, and take it out again
  when uninstalling. The user's own PATH in a per-user install, the system PATH in an install
  for all users. [Registry] cannot do this: it would replace PATH or leave the folder behind. }

const
  UserEnvironmentKey = 'Environment';
  SystemEnvironmentKey = 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment';

{ [InstallDelete]: does the chosen folder already hold Gristmill? }
function IsGristmillFolder: Boolean;
begin
  Result := FileExists(ExpandConstant('{app}\{#AppExeName}'));
end;

procedure PathLocation(var RootKey: Integer; var SubKey: String);
begin
  if IsAdminInstallMode then begin
    RootKey := HKEY_LOCAL_MACHINE;
    SubKey := SystemEnvironmentKey;
  end else begin
    RootKey := HKEY_CURRENT_USER;
    SubKey := UserEnvironmentKey;
  end;
end;

{ Position of ';Dir;' in ';Path;' (case-insensitive), 0 when Dir is not an entry of Path. }
function PathEntryPos(const Wrapped, Dir: String): Integer;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', Uppercase(Wrapped));
end;

procedure AddToPath(const Dir: String);
var
  RootKey: Integer;
  SubKey, Path: String;
begin
  PathLocation(RootKey, SubKey);
  if not RegQueryStringValue(RootKey, SubKey, 'Path', Path) then
    Path := '';
  if PathEntryPos(';' + Path + ';', Dir) > 0 then
    Exit;
  if (Path <> '') and (Copy(Path, Length(Path), 1) <> ';') then
    Path := Path + ';';
  if RegWriteExpandStringValue(RootKey, SubKey, 'Path', Path + Dir) then
    Log('Added to PATH: ' + Dir)
  else
    Log('Could not add to PATH: ' + Dir);
end;

procedure RemoveFromPath(const Dir: String);
var
  RootKey, P: Integer;
  SubKey, Path, Wrapped: String;
begin
  PathLocation(RootKey, SubKey);
  if not RegQueryStringValue(RootKey, SubKey, 'Path', Path) then
    Exit;
  Wrapped := ';' + Path + ';';
  P := PathEntryPos(Wrapped, Dir);
  if P = 0 then
    Exit;
  while P > 0 do begin
    { Removes ';Dir' and keeps the ';' after it. }
    Delete(Wrapped, P, Length(Dir) + 1);
    P := PathEntryPos(Wrapped, Dir);
  end;
  Path := Copy(Wrapped, 2, Length(Wrapped) - 2);
  if RegWriteExpandStringValue(RootKey, SubKey, 'Path', Path) then
    Log('Removed from PATH: ' + Dir)
  else
    Log('Could not remove from PATH: ' + Dir);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then
    AddToPath(ExpandConstant('{app}'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
