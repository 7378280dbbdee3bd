// libFuzzer's entry for programs that start it themselves. The fuzz harness needs it because
// SwiftPM links an executable with `--defsym main=<module>_main` on Linux, which replaces
// libFuzzer's own `main`; the harness's `UdtraekFuzz_main` then starts libFuzzer here.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
