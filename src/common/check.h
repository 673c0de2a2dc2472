#pragma once
// SLUICE_CHECK: aborts with a message on an impossible state (a programmer error, never
// user input or the environment). SLUICE_ASSERT: the same, debug builds only.
#include <cstdio>
#include <cstdlib>

#define SLUICE_CHECK(cond, msg)                                                          \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #cond, \
                   (msg));                                                               \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

#ifdef NDEBUG
#define SLUICE_ASSERT(cond) ((void)0)
#else
#define SLUICE_ASSERT(cond) SLUICE_CHECK(cond, "assertion")
#endif
