; Practice Desk - per-user Windows installer (Inno Setup 6).
;
; Build from the repository root, after PyInstaller has made dist\practice-desk\
; (see .github/workflows/windows-installer.yml and installers/README.md):
;
;   iscc /DMyAppVersion=0.1.0 installers\windows\practice_desk.iss
;
; The version must be practice_desk.__version__ (the workflow reads it from the package); there is
; deliberately no default here, so a build can never carry a stale version.
; Output: dist\PracticeDesk-Setup-<version>.exe
;
; No admin rights needed: PrivilegesRequired=lowest installs into
; %LOCALAPPDATA%\Programs\Practice Desk with Start-menu and (optional) desktop shortcuts for the
; current user. IT can still deploy for all users from the command line with /ALLUSERS.
; Uninstalling removes only the program folder and shortcuts: the database, backups and logs live
; in %LOCALAPPDATA%\PracticeDesk and are never touched.

#ifndef MyAppVersion
  #error Pass the version: iscc /DMyAppVersion=<practice_desk.__version__> practice_desk.iss
#endif
#define MyAppName "Practice Desk"
; The windowed program the shortcuts start; practice-desk.exe next to it is the console build
; (self-test and command line).
#define MyAppExeName "PracticeDesk.exe"
#define MyAppConsoleExeName "practice-desk.exe"
#define MyDataFolder "PracticeDesk"
#ifndef BundleDir
  #define BundleDir "..\..\dist\practice-desk"
#endif

[Setup]
; Never change AppId: it ties upgrades and the uninstaller to earlier installs.
AppId={{6F1C2B7E-4A0D-4E55-9C3B-8D2E5A7B9F13}
AppName={#MyAppName}
AppVersion={#MyAppVersion}
AppVerName={#MyAppName} {#MyAppVersion}
AppPublisher=Practice Desk
AppComments=Telephony, appointment and NHS App access figures for GP practices and PCNs, offline
DefaultDirName={autopf}\{#MyAppName}
DefaultGroupName={#MyAppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\..\resources\icon.ico
UninstallDisplayIcon={app}\{#MyAppExeName}
UninstallDisplayName={#MyAppName}
OutputDir=..\..\dist
OutputBaseFilename=PracticeDesk-Setup-{#MyAppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle, so no library from an older version is left behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#MyAppName}"; Filename: "{app}\{#MyAppExeName}"; WorkingDir: "{app}"; Comment: "GP practice access figures"
Name: "{autodesktop}\{#MyAppName}"; Filename: "{app}\{#MyAppExeName}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#MyAppExeName}"; Description: "{cm:LaunchProgram,{#MyAppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] section on purpose: the user's data folder is left alone.

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent then
    MsgBox('{#MyAppName} has been removed. Your database, backups and log files were kept in '
      + ExpandConstant('{localappdata}\{#MyDataFolder}')
      + '. Delete that folder yourself if you no longer need them.', mbInformation, MB_OK);
end;
