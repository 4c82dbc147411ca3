/* Test-only stand-in for icacls.exe (Wine's does nothing): appends its command line, as
 * Windows passed it, to the file named by LQC_ICACLS_LOG, and succeeds. `cargo xtask
 * wine-test` puts it in its private Wine prefix to see what `keygen` asks icacls to do;
 * what icacls then does can only be checked on Windows. */
#include <windows.h>

int main(void) {
    WCHAR path[MAX_PATH];
    if (!GetEnvironmentVariableW(L"LQC_ICACLS_LOG", path, MAX_PATH)) return 3;
    HANDLE f = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ, NULL, OPEN_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (f == INVALID_HANDLE_VALUE) return 4;
    const WCHAR *line = GetCommandLineW();
    DWORD written;
    BOOL ok = WriteFile(f, line, (DWORD)(lstrlenW(line) * sizeof(WCHAR)), &written, NULL)
              && WriteFile(f, L"\n", sizeof(WCHAR), &written, NULL);
    CloseHandle(f);
    return ok ? 0 : 5;
}
