#include "sinks/webhook/url.h"

#include <curl/curl.h>

#include <memory>

namespace sluice {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

// Reads one part of `url`; "" when it is absent.
std::string GetPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string result(value);
  curl_free(value);
  return result;
}

}  // namespace

Result<std::string> JoinUrl(std::string_view base, std::string_view path) {
  UrlPtr url(curl_url());
  if (!url) return Status::Fatal("out of memory parsing a URL");
  const std::string base_text(base);
  if (curl_url_set(url.get(), CURLUPART_URL, base_text.c_str(), 0) != CURLUE_OK) {
    return Status::Fatal("not a valid absolute URL");
  }
  const std::string scheme = GetPart(url.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") {
    return Status::Fatal("URL scheme must be http or https");
  }
  if (!path.empty()) {
    std::string joined = GetPart(url.get(), CURLUPART_PATH);
    if (!joined.empty() && joined.back() == '/') joined.pop_back();
    if (path.front() != '/') joined.push_back('/');
    joined.append(path);
    if (curl_url_set(url.get(), CURLUPART_PATH, joined.c_str(), 0) != CURLUE_OK) {
      return Status::Fatal("http_endpoint_path does not make a valid URL");
    }
  }
  return GetPart(url.get(), CURLUPART_URL);
}

std::string RedactUrl(std::string_view url) {
  UrlPtr parsed(curl_url());
  const std::string text(url);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return "<invalid URL>";
  }
  for (CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS, CURLUPART_QUERY,
                         CURLUPART_FRAGMENT}) {
    curl_url_set(parsed.get(), part, nullptr, 0);
  }
  return GetPart(parsed.get(), CURLUPART_URL);
}

}  // namespace sluice
