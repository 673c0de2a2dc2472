#include "api/json_response.h"

namespace sluice::api {

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void SendError(httplib::Response& res, int status, std::string_view code,
               std::string_view message) {
  SendJson(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

Result<nlohmann::json> ParseObject(const std::string& body) {
  if (body.empty()) return nlohmann::json::object();
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::Permanent("request body is not valid JSON");
  if (!parsed.is_object()) return Status::Permanent("request body must be a JSON object");
  return parsed;
}

}  // namespace sluice::api
