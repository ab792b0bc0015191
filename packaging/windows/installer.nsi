; The Windows installer of oqs-courier (NSIS 3, 64-bit, Unicode, Japanese UI).
;
; Built by scripts/installer-build.sh, which passes:
;   /DVERSION=0.1.0      the package version (Cargo.toml)
;   /DVERSION4=0.1.0.0   the same as four numbers (the installer's version information)
;   /DROOT=...           the repository root (icon, font licence)
;   /DBINDIR=...         the folder holding oqs-courier.exe and oqs-courier-gui.exe
;   /DOUTFILE=...        the installer to write
;   /DFAST_COMPRESSION   (optional) zlib instead of LZMA, for test installers
; and reads this file as UTF-8 (-INPUTCHARSET UTF8).
;
; What it does: installs both exes and the font licence into Program Files\oqs-courier, a
; Start menu shortcut to the desktop app for all users, an Add/Remove Programs entry, and
; starts the desktop app at log-on through the Run key: of the installing user (default), of
; all users, or not at all (a page; silently: default, /ALLUSERS or /NOAUTOSTART).
; /UPDATE (with /S; what the app uses for an update carried by the stick, src/update.rs):
; keep the autostart choice already installed and start the desktop app again when done (or,
; if the install fails, as it was). Every install over an existing one stops the desktop app
; and waits up to 30 s for a command-line oqs-courier.exe to end (then stops it too and waits
; again), because Windows does not let a running exe be replaced; if one stays busy, nothing is
; replaced and the installer fails. Tested under Wine by scripts/update-wine-e2e.sh.
; The uninstaller removes the program files, the shortcut, both Run values and the entry, and
; keeps the user's data (%LOCALAPPDATA%\oqs-courier: keys, pairing, journal, audit log) unless
; the box is ticked or /DELETEDATA is given. Tested under Wine by scripts/installer-test.sh.

Target amd64-unicode
Unicode true
ManifestDPIAware true
!ifdef FAST_COMPRESSION
  SetCompressor zlib    ; test installers (installer-build.sh --debug)
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION | VERSION4 | ROOT | BINDIR | OUTFILE
  !error "pass /DVERSION /DVERSION4 /DROOT /DBINDIR /DOUTFILE (use scripts/installer-build.sh)"
!endif

!define PRODUCT "oqs-courier"
!define DISPLAY_NAME "oqs-courier（オンライン資格確認 USB連携）"
!define GUI_EXE "oqs-courier-gui.exe"
!define CLI_EXE "oqs-courier.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\oqs-courier"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE "oqs-courier"
; The app's default state directory (src/state.rs: %LOCALAPPDATA%\oqs-courier).
!define DATA_DIR "$LOCALAPPDATA\oqs-courier"

!include "MUI2.nsh"
!include "nsDialogs.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

Name "${DISPLAY_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${PRODUCT}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION4}"
VIFileVersion "${VERSION4}"
VIAddVersionKey /LANG=1041 "ProductName" "${DISPLAY_NAME}"
VIAddVersionKey /LANG=1041 "FileDescription" "${DISPLAY_NAME} セットアップ"
VIAddVersionKey /LANG=1041 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1041 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1041 "CompanyName" "${PRODUCT}"
VIAddVersionKey /LANG=1041 "LegalCopyright" "MIT OR Apache-2.0"

!define MUI_ICON "${ROOT}/assets/icon.ico"
!define MUI_UNICON "${ROOT}/assets/icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "oqs-courier を起動する"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchApp

Var Autostart        ; "user" | "all" | "none"
Var RadioUser
Var RadioAll
Var RadioNone
Var DeleteData       ; "1" to delete the data folder on uninstall
Var Update           ; "1": /UPDATE given
Var DeleteDataBox

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
Page custom AutostartPage AutostartPageLeave
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "Japanese"

; --- install -----------------------------------------------------------------------------------

Function .onInit
  SetRegView 64
  StrCpy $Autostart "user"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/ALLUSERS" $R1
  ${IfNot} ${Errors}
    StrCpy $Autostart "all"
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/NOAUTOSTART" $R1
  ${IfNot} ${Errors}
    StrCpy $Autostart "none"
  ${EndIf}
  StrCpy $Update "0"
  ClearErrors
  ${GetOptions} $R0 "/UPDATE" $R1
  ${IfNot} ${Errors}
    StrCpy $Update "1"
    ; Keep what the first installation chose.
    ClearErrors
    ReadRegStr $R2 HKLM "${RUN_KEY}" "${RUN_VALUE}"
    ${IfNot} ${Errors}
      StrCpy $Autostart "all"
    ${Else}
      ClearErrors
      ReadRegStr $R2 HKCU "${RUN_KEY}" "${RUN_VALUE}"
      ${If} ${Errors}
        StrCpy $Autostart "none"
      ${EndIf}
    ${EndIf}
  ${EndIf}
FunctionEnd

; /UPDATE: the app stopped for the update starts again.
Function .onInstSuccess
  ${If} $Update == "1"
    Call LaunchApp
  ${EndIf}
FunctionEnd

; /UPDATE that could not replace the program (SecMain): the app stopped for it starts again.
Function .onInstFailed
  ${If} $Update == "1"
  ${AndIf} ${FileExists} "$INSTDIR\${GUI_EXE}"
    Call LaunchApp
  ${EndIf}
FunctionEnd

; $0 = "free" when no process runs either installed exe (each can be opened for writing; a
; running exe cannot), waiting up to 30 s for that; else "busy". Defined for the installer and,
; as un.WaitExesFree, for the uninstaller (NSIS keeps their functions apart).
!macro WAIT_EXES_FREE UN
Function ${UN}WaitExesFree
  StrCpy $1 0
  ${Do}
    StrCpy $0 "free"
    ${If} ${FileExists} "$INSTDIR\${CLI_EXE}"
      ClearErrors
      FileOpen $2 "$INSTDIR\${CLI_EXE}" a
      ${If} ${Errors}
        StrCpy $0 "busy"
      ${Else}
        FileClose $2
      ${EndIf}
    ${EndIf}
    ${If} ${FileExists} "$INSTDIR\${GUI_EXE}"
      ClearErrors
      FileOpen $2 "$INSTDIR\${GUI_EXE}" a
      ${If} ${Errors}
        StrCpy $0 "busy"
      ${Else}
        FileClose $2
      ${EndIf}
    ${EndIf}
    ${If} $0 == "free"
    ${OrIf} $1 >= 60
      ${Break}
    ${EndIf}
    Sleep 500
    IntOp $1 $1 + 1
  ${Loop}
FunctionEnd
!macroend
!insertmacro WAIT_EXES_FREE ""
!insertmacro WAIT_EXES_FREE "un."

; Stops the desktop app (no error if none runs) and waits for both exes to be free; if they stay
; busy (a command-line oqs-courier, e.g. `watch` or the `sync` that started an update and ends
; right after), stops that too and waits again. $0 = "free" or "busy", as WaitExesFree.
!macro STOP_APP UN
  nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${GUI_EXE}'
  Pop $0
  Call ${UN}WaitExesFree
  ${If} $0 != "free"
    nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${CLI_EXE}'
    Pop $0
    Call ${UN}WaitExesFree
  ${EndIf}
!macroend

Function AutostartPage
  !insertmacro MUI_HEADER_TEXT "自動起動" "Windows にログオンしたときに oqs-courier を起動するかを選んでください。"
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0 100% 40u "oqs-courier は起動したままにしておき、USBメモリが差し込まれるのを待ちます。通常は「このユーザー」を選んでください。資格確認端末のように、自動でログオンするユーザー（OQSComApp など）がこのインストーラーを実行しているユーザーと異なる場合は「すべてのユーザー」を選んでください。"
  Pop $0
  ${NSD_CreateRadioButton} 10u 48u 100% 12u "このユーザーのログオン時に起動する（おすすめ）"
  Pop $RadioUser
  ${NSD_CreateRadioButton} 10u 64u 100% 12u "すべてのユーザーのログオン時に起動する"
  Pop $RadioAll
  ${NSD_CreateRadioButton} 10u 80u 100% 12u "自動で起動しない"
  Pop $RadioNone
  ${If} $Autostart == "all"
    ${NSD_Check} $RadioAll
  ${ElseIf} $Autostart == "none"
    ${NSD_Check} $RadioNone
  ${Else}
    ${NSD_Check} $RadioUser
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function AutostartPageLeave
  ${NSD_GetState} $RadioAll $0
  ${NSD_GetState} $RadioNone $1
  ${If} $0 == ${BST_CHECKED}
    StrCpy $Autostart "all"
  ${ElseIf} $1 == ${BST_CHECKED}
    StrCpy $Autostart "none"
  ${Else}
    StrCpy $Autostart "user"
  ${EndIf}
FunctionEnd

; Starts the app as the logged-in user, not elevated like the installer (through Explorer).
Function LaunchApp
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\${GUI_EXE}"'
FunctionEnd

Section "oqs-courier" SecMain
  SectionIn RO
  ; An upgrade replaces the exes, which Windows does not allow while a process runs them (and a
  ; silent installer would skip them without a word, leaving the old version). Stop a running
  ; desktop app first (no error if none runs), then wait for both exes to be free: the
  ; command-line program that started an update (`oqs-courier sync`, src/update.rs) ends right
  ; after starting this installer. One still running after that (`oqs-courier watch`) is stopped
  ; too. If they stay busy, nothing is replaced.
  !insertmacro STOP_APP ""
  ${If} $0 != "free"
    MessageBox MB_OK|MB_ICONSTOP "oqs-courier が動作中のため、更新できませんでした。oqs-courier を終了してから、もう一度実行してください。" /SD IDOK
    Abort
  ${EndIf}

  SetOutPath "$INSTDIR"
  ClearErrors
  File "${BINDIR}/${CLI_EXE}"
  File "${BINDIR}/${GUI_EXE}"
  ${If} ${Errors}
    MessageBox MB_OK|MB_ICONSTOP "oqs-courier のプログラムを書き換えられませんでした。パソコンを再起動してから、もう一度実行してください。" /SD IDOK
    Abort
  ${EndIf}
  SetOutPath "$INSTDIR\licenses\fonts"
  File "${ROOT}/packaging/fonts/IPA_Font_License_v1.0.txt"
  File "${ROOT}/packaging/fonts/README.md"
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  SetShellVarContext all
  CreateShortcut "$SMPROGRAMS\${DISPLAY_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
  SetShellVarContext current

  ; Autostart: exactly one Run value (or none), so a reinstall can change the choice.
  ${If} $Autostart == "all"
    WriteRegStr HKLM "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\${GUI_EXE}"'
    DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ${ElseIf} $Autostart == "user"
    WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\${GUI_EXE}"'
    DeleteRegValue HKLM "${RUN_KEY}" "${RUN_VALUE}"
  ${Else}
    DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
    DeleteRegValue HKLM "${RUN_KEY}" "${RUN_VALUE}"
  ${EndIf}

  ; Add/Remove Programs.
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${DISPLAY_NAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PRODUCT}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" '"$INSTDIR\${GUI_EXE}",0'
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

; --- uninstall ---------------------------------------------------------------------------------

Function un.onInit
  SetRegView 64
  StrCpy $DeleteData "0"
  ${un.GetParameters} $R0
  ClearErrors
  ${un.GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    StrCpy $DeleteData "1"
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "データの扱い" "鍵・ペアリング・作業履歴を残すかを選んでください。"
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0 100% 48u "プログラムだけを削除し、データ（このPCの鍵、ペアリング、作業履歴・監査ログ）は残します。作業履歴は監査や立入検査で必要になることがあり、残しておけば再インストール後もそのまま使えます。$\r$\n$\r$\nデータの場所: ${DATA_DIR}"
  Pop $0
  ${NSD_CreateCheckbox} 0 60u 100% 12u "データも削除する（元に戻せません）"
  Pop $DeleteDataBox
  ${If} $DeleteData == "1"
    ${NSD_Check} $DeleteDataBox
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $DeleteDataBox $0
  ${If} $0 == ${BST_CHECKED}
    StrCpy $DeleteData "1"
  ${Else}
    StrCpy $DeleteData "0"
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ; As for an upgrade: Windows does not let a running exe be deleted, and a silent uninstaller
  ; would leave it without a word. Stop the app and wait; if it stays busy, remove nothing.
  !insertmacro STOP_APP "un."
  ${If} $0 != "free"
    MessageBox MB_OK|MB_ICONSTOP "oqs-courier が動作中のため、削除できませんでした。oqs-courier を終了してから、もう一度実行してください。" /SD IDOK
    Abort
  ${EndIf}

  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  DeleteRegValue HKLM "${RUN_KEY}" "${RUN_VALUE}"

  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\licenses\fonts\IPA_Font_License_v1.0.txt"
  Delete "$INSTDIR\licenses\fonts\README.md"
  RMDir "$INSTDIR\licenses\fonts"
  RMDir "$INSTDIR\licenses"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  SetShellVarContext all
  Delete "$SMPROGRAMS\${DISPLAY_NAME}.lnk"
  SetShellVarContext current

  DeleteRegKey HKLM "${UNINST_KEY}"

  ${If} $DeleteData == "1"
    RMDir /r "${DATA_DIR}"
  ${EndIf}
SectionEnd
