#pragma once
// JSON request and response helpers for the API's route handlers (api/ internal: includes
// httplib and nlohmann/json, so no header outside api/ may include this one).
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::api {

// Serialises `body` (invalid UTF-8 replaced, never throws) with the given status.
void SendJson(httplib::Response& res, int status, const nlohmann::json& body);

// The error shape of http-api.md: {"error": {"code": ..., "message": ...}}.
void SendError(httplib::Response& res, int status, std::string_view code, std::string_view message);

// Parses a request body that must be a JSON object; an empty body is an empty object.
// The error message says what is wrong, for a 400 bad_request.
Result<nlohmann::json> ParseObject(const std::string& body);

}  // namespace sluice::api
