# Sourced by the scripts that run Windows programs under Wine (wine-test.sh, installer-test.sh,
# gui-wine-screenshot.sh): `wine_prefix_ready NAME` makes sure the Wine prefix $WINEPREFIX exists
# (created once with wineboot, no mono/gecko downloads) and holds the test-only
# bcryptprimitives.dll shim (built with mingw from packaging/wine/bcryptprimitives-shim.c when
# missing or older than its source). Wine 8 lacks that DLL, which Rust std >= 1.78 imports
# (ProcessPrng, rust-lang/rust#121337); see packaging/wine/README.md.
# Needs: $repo_root, $target_dir and $WINEPREFIX set; NAME prefixes the messages.

wine_prefix_ready() {
    local name="$1"
    local shim_src="$repo_root/packaging/wine/bcryptprimitives-shim.c"
    local shim_dll="$target_dir/wine-shim/bcryptprimitives.dll"
    local sys32="$WINEPREFIX/drive_c/windows/system32"
    local tool
    for tool in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$name: '$tool' not found (apt-get install wine64 gcc-mingw-w64-x86-64)" >&2
            return 1
        fi
    done
    export WINEARCH=win64
    export WINEDEBUG="${WINEDEBUG:--all}"
    if [[ ! -f "$shim_dll" || "$shim_src" -nt "$shim_dll" ]]; then
        echo "$name: building $shim_dll"
        mkdir -p "$(dirname "$shim_dll")"
        x86_64-w64-mingw32-gcc -Wall -Wextra -Werror -shared -O2 -s \
            -o "$shim_dll.tmp" "$shim_src" -ladvapi32
        mv -f "$shim_dll.tmp" "$shim_dll"
    fi
    if [[ ! -f "$WINEPREFIX/system.reg" || ! -d "$sys32" ]]; then
        echo "$name: creating Wine prefix $WINEPREFIX"
        mkdir -p "$WINEPREFIX"
        WINEDLLOVERRIDES="mscoree,mshtml=" wineboot -i </dev/null >/dev/null 2>&1
        wineserver -w
        if [[ ! -d "$sys32" ]]; then
            echo "$name: wineboot did not create $sys32" >&2
            return 1
        fi
    fi
    if ! cmp -s "$shim_dll" "$sys32/bcryptprimitives.dll"; then
        echo "$name: installing bcryptprimitives.dll shim into $sys32"
        cp -f "$shim_dll" "$sys32/bcryptprimitives.dll"
    fi
}
