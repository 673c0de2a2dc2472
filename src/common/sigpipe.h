#pragma once
// ScopedSigpipeBlock: while alive, a write to a closed pipe or socket on *this thread* fails
// with EPIPE instead of killing the process with SIGPIPE.
//
// For code that writes to descriptors it does not control (stdout, sockets inside libcurl or
// OpenSSL) without changing the process-wide signal disposition, which belongs to main().
// Blocks SIGPIPE in the calling thread's mask; on destruction it discards a SIGPIPE that our
// writes raised (unless one was already pending before) and restores the mask.
// Use on one thread, as a local variable; not copyable.
#include <csignal>

namespace sluice {

class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock();
  ~ScopedSigpipeBlock();
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;
};

}  // namespace sluice
