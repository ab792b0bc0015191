# Sourced by the scripts that install oqs-courier under Wine (installer-test.sh,
# update-wine-e2e.sh), after scripts/wine-prefix.sh: where the installer puts things, and how
# to read them back.
# `wine_install_paths NAME` sets win_dir and pf (the program folder, Windows and Unix path),
# run_key and uninst_key (the registry keys of the autostart and of Add/Remove Programs) and
# data (the per-user data folder, %LOCALAPPDATA%\oqs-courier, checked to lie inside the
# prefix); on a failure it prints a message prefixed NAME and returns 1.
# Needs: $WINEPREFIX and $target_dir set.

wine_install_paths() {
    local name="$1" local_appdata
    win_dir='C:\Program Files\oqs-courier'
    pf="$WINEPREFIX/drive_c/Program Files/oqs-courier"
    run_key='Software\Microsoft\Windows\CurrentVersion\Run'
    uninst_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\oqs-courier'
    local_appdata="$(wine cmd /c 'echo %LOCALAPPDATA%' </dev/null | tr -d '\r')"
    data="$(winepath -u "$local_appdata" 2>/dev/null)/oqs-courier"
    data="${data//\/\//\/}"
    case "$data" in
        "$WINEPREFIX"/*/oqs-courier) ;;
        *)
            echo "$name: unexpected data folder '$data' (from '$local_appdata')" >&2
            return 1
            ;;
    esac
}

# The data of the Run value oqs-courier under $1 (HKCU or HKLM), empty when absent.
run_value() { wine reg query "$1\\$run_key" /v oqs-courier </dev/null 2>/dev/null | tr -d '\r' | sed -n 's/.*REG_SZ *//p'; }

# The version Add/Remove Programs shows, empty when oqs-courier is not installed.
display_version() { wine reg query "$uninst_key" /v DisplayVersion </dev/null 2>/dev/null | tr -d '\r' | sed -n 's/.*REG_SZ *//p'; }

# Runs the uninstaller with the arguments given and waits for it: `_?=DIR` makes it run in place
# instead of copying itself to %TEMP% and returning at once. NSIS needs `_?=` last and
# unquoted, spaces and all, which wine's argument quoting cannot give, so the command line goes
# through a batch file.
uninstall_wait() {
    local bat="$target_dir/installer/uninstall-wait.bat"
    mkdir -p "$(dirname "$bat")"
    printf '@"%s\\uninstall.exe" %s _?=%s\r\n@exit /b %%ERRORLEVEL%%\r\n' \
        "$win_dir" "$*" "$win_dir" >"$bat"
    wine cmd /c "$(winepath -w "$bat")" </dev/null
}
