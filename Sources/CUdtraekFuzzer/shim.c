// Declarations only (CUdtraekFuzzer.h); SwiftPM wants a source file in a C target.
#include "CUdtraekFuzzer.h"
