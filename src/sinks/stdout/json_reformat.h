#pragma once
// Re-indents JSON text without parsing values, so numbers keep their exact digits
// ("1200.50" stays "1200.50", 20-digit integers stay exact): only whitespace outside strings
// changes.
#include <string>
#include <string_view>

namespace sluice {

// Appends `json` to `out` indented by `indent` spaces per level, or on one line when `indent`
// is 0. Empty objects and arrays stay "{}" and "[]". Not a validator: malformed input comes
// out with best-effort whitespace and nothing dropped but whitespace.
void ReformatJson(std::string_view json, int indent, std::string* out);

}  // namespace sluice
