/* Test-only stand-in for bcryptprimitives.dll, which Debian's Wine 8 lacks: Rust's
 * standard library (1.78 and later) draws its random numbers from its ProcessPrng, so
 * without it a Rust program does not start under that Wine. `cargo xtask wine-test`
 * builds it into its private Wine prefix; it is never shipped. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    return BCryptGenRandom(NULL, data, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
