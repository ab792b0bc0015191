/*
 * bcryptprimitives-shim.c: a test-only stand-in for bcryptprimitives.dll under Wine 8.
 *
 * Rust's standard library (1.78 and later) gets its randomness from ProcessPrng in
 * bcryptprimitives.dll (rust-lang/rust#121337). Windows 10 and later ship that DLL;
 * Wine 8 (Debian 12) does not, so every Rust .exe fails to start under Wine with
 * STATUS_DLL_NOT_FOUND (c0000135). This DLL exports ProcessPrng and fills the buffer
 * from SystemFunction036 (RtlGenRandom, advapi32), which Wine does implement.
 *
 * It is used only by scripts/wine-test.sh, copied into a throw-away Wine prefix under
 * target/. It is never shipped and never installed on a real Windows machine.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -s -o bcryptprimitives.dll \
 *            bcryptprimitives-shim.c -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom; declared here to avoid ntsecapi.h's macro games. */
BOOLEAN WINAPI SystemFunction036(PVOID RandomBuffer, ULONG RandomBufferLength);

/* RtlGenRandom takes a ULONG length; hand it at most 1 GiB per call. */
#define SHIM_MAX_CHUNK ((SIZE_T)1 << 30)

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData)
{
    while (cbData > 0) {
        ULONG chunk = (ULONG)(cbData < SHIM_MAX_CHUNK ? cbData : SHIM_MAX_CHUNK);
        if (!SystemFunction036(pbData, chunk)) {
            /*
             * Windows documents ProcessPrng as never failing, and Rust's std ignores
             * its return value. Returning with the buffer unfilled would hand out
             * predictable "random" bytes, so end the process instead.
             */
            TerminateProcess(GetCurrentProcess(), 0xC0000001 /* STATUS_UNSUCCESSFUL */);
            return FALSE;
        }
        pbData += chunk;
        cbData -= chunk;
    }
    return TRUE;
}
