#pragma once
// Running a helper program (initdb, pg_ctl, runuser) for `sluice quickstart` and collecting
// what it prints. Safe to call from any thread (posix_spawn, no fork of a threaded process).
#include <string>
#include <vector>

#include "common/status.h"

namespace sluice::cli {

// Runs argv[0] (searched in PATH unless it contains '/') in `working_dir`, waits for it and
// returns its combined stdout and stderr. A non-zero exit is an error carrying the output.
// The program must end on its own: there is no timeout here (callers pass -t to pg_ctl).
Result<std::string> RunProcess(const std::vector<std::string>& argv,
                               const std::string& working_dir);

}  // namespace sluice::cli
