#pragma once
// Splits a JSON object into its top-level members without building a document: the stream
// sink turns each member into one XADD field whose value is the member's JSON text, as is.
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::redis {

struct JsonMember {
  std::string name;        // unescaped member name
  std::string_view value;  // the raw JSON text of the value (a view into the input)
};

// Fails (Permanent) when `json` is not one well-formed-looking JSON object: unbalanced
// brackets, an unterminated string, or a top-level value that is not an object. Values are
// not validated beyond their nesting; the encoder produced them.
Result<std::vector<JsonMember>> SplitTopLevel(std::string_view json);

}  // namespace sluice::redis
