; Inno Setup script for the Windows installer of Jincai Desk (金财桌面端).
; Built on Windows (see installers/README.md):
;   1. make the PyInstaller bundle:   pyinstaller --noconfirm --distpath build\dist installers\jincai.spec
;   2. put a Tesseract 5 build with chi_sim/eng data in installers\windows\tesseract\ (tesseract.exe + DLLs)
;   3. iscc /DAppVersion=0.1.0 installers\windows\jincai.iss     -> build\installer\jincai-desk-0.1.0-setup.exe
; The fixed AppId makes a new version upgrade in place. The user's data folder
; (%LOCALAPPDATA%\Jincai\Jincai Desk) is never touched by install, upgrade or uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define BundleDir "..\..\build\dist\jincai"

[Setup]
AppId={{6F1C2B8E-3C55-4C55-9B1E-4A7D2F0C9A31}
AppName=金财桌面端 Jincai Desk
AppVersion={#AppVersion}
AppPublisher=Jincai Desk
DefaultDirName={autopf}\Jincai Desk
DefaultGroupName=金财桌面端
UninstallDisplayIcon={app}\jincai.exe
UninstallDisplayName=金财桌面端 Jincai Desk
OutputDir=..\..\build\installer
OutputBaseFilename=jincai-desk-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\jincai-desk.ico
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
CloseApplications=yes
WizardStyle=modern

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#BundleDir}\jincai.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\jincai-server.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "tesseract\*"; DestDir: "{app}\tesseract"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; an upgrade replaces the program files wholesale (stale DLLs from an older Qt must not linger)
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\金财桌面端"; Filename: "{app}\jincai.exe"
Name: "{group}\卸载金财桌面端"; Filename: "{uninstallexe}"
Name: "{autodesktop}\金财桌面端"; Filename: "{app}\jincai.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\jincai.exe"; Description: "{cm:LaunchProgram,金财桌面端}"; Flags: nowait postinstall skipifsilent
