#pragma once
// URL helpers for the webhook sink, on top of libcurl's URL parser (so we accept exactly what
// curl will later connect to).
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice {

// `base` with `path` appended to its path ("http://h/api" + "/orders" -> "http://h/api/orders",
// one slash between them; the query string stays at the end). An empty `path` returns `base`
// normalized. Fails unless `base` is an absolute http:// or https:// URL. The error never
// quotes the URL (it may carry credentials).
Result<std::string> JoinUrl(std::string_view base, std::string_view path);

// `url` without user name, password, query and fragment: safe to show in logs and errors.
std::string RedactUrl(std::string_view url);

}  // namespace sluice
