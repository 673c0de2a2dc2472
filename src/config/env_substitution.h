#pragma once
// ${VAR} and ${VAR:-default} substitution in configuration text, done before YAML parsing.
//
// - ${VAR}: the value of VAR; an unset VAR is an error naming it, with line:col.
// - ${VAR:-default}: the value of VAR, or `default` when VAR is unset or empty.
// - $${ writes a literal "${".
// - References inside YAML comments ('#' at the start of a line or after a blank, outside
//   quotes on that line) are left alone, so commented-out settings need no variables.
// Values are inserted verbatim: quote the YAML around them if they may contain ": " or "#".
// Errors name the variable, never its value. Reads the process environment (getenv).
#include <string>
#include <string_view>

#include "config/node.h"

namespace sluice {

// Returns `text` with references replaced; an unset variable becomes "" and adds an error
// "<file>:<line>:<col>: environment variable VAR is not set ..." to `errors`.
std::string SubstituteEnv(std::string_view text, const std::string& file, ConfigErrors& errors);

}  // namespace sluice
