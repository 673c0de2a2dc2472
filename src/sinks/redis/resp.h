#pragma once
// RESP command encoding straight into a pipeline buffer. hiredis' redisFormatCommandArgv
// would allocate one string per command; a batch appends all of its commands to one buffer
// and writes it once.
#include <initializer_list>
#include <string>
#include <string_view>

namespace sluice::redis {

// Appends "*<n>\r\n" — the header of a command of `argc` arguments; each argument follows
// through AppendArg.
inline void AppendCommandHeader(std::string* out, size_t argc) {
  *out += '*';
  *out += std::to_string(argc);
  *out += "\r\n";
}

inline void AppendArg(std::string* out, std::string_view arg) {
  *out += '$';
  *out += std::to_string(arg.size());
  *out += "\r\n";
  out->append(arg.data(), arg.size());
  *out += "\r\n";
}

inline void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  AppendCommandHeader(out, args.size());
  for (std::string_view arg : args) AppendArg(out, arg);
}

}  // namespace sluice::redis
