#include "common/sigpipe.h"

#include <pthread.h>

#include <ctime>

namespace sluice {
namespace {

sigset_t SigpipeSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

}  // namespace

ScopedSigpipeBlock::ScopedSigpipeBlock() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  const sigset_t set = SigpipeSet();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
}

ScopedSigpipeBlock::~ScopedSigpipeBlock() {
  if (!was_pending_) {
    // Standard signals do not queue, so one wait consumes whatever our writes raised. A zero
    // timeout makes this a poll: it returns at once when nothing is pending.
    const sigset_t set = SigpipeSet();
    const timespec no_wait{0, 0};
    sigtimedwait(&set, nullptr, &no_wait);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace sluice
