// fetch_text: the catalog's own small libcurl GET (the upstream module is for
// traffic; this is one document, fetched once by `models refresh`).
#include <curl/curl.h>
#include <fstream>
#include <sstream>

#include "megarouter/catalog/refresh.hpp"

namespace megarouter::catalog {

namespace {

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

Result<std::string> fetch_url(const std::string& url) {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    (void)initialised;
    CURL* curl = curl_easy_init();
    if (!curl) return fail(ErrorCode::internal, "cannot start libcurl");
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "megarouter/" MEGAROUTER_VERSION);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (code == CURLE_OPERATION_TIMEDOUT)
        return fail(ErrorCode::upstream_timeout, "timed out fetching " + url, true);
    if (code != CURLE_OK)
        return fail(ErrorCode::upstream_unavailable, "cannot fetch " + url + ": " + curl_easy_strerror(code), true);
    if (status != 200) {
        Error error = make_error(ErrorCode::upstream_error, "fetching " + url + " answered HTTP " + std::to_string(status),
                                 status >= 500);
        error.upstream_status = static_cast<int>(status);
        return fail(std::move(error));
    }
    return body;
}

} // namespace

Result<std::string> fetch_text(const std::string& source) {
    if (source.starts_with("http://") || source.starts_with("https://")) return fetch_url(source);
    std::ifstream in(source, std::ios::binary);
    if (!in) return fail(ErrorCode::io, "cannot read " + source);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace megarouter::catalog
