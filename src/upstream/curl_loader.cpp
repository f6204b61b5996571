// libcurl, loaded when first used rather than at process start. Linking it
// made every command pay for loading libcurl and the ~30 libraries it pulls
// in (TLS, Kerberos, LDAP, SSH...): about 20 ms of a 25 ms `megarouter
// --version` on the development VM, although most commands (route, models,
// keys, spend, and the proxy's plain-http upstreams) never call it. The
// functions megarouter uses are defined here with libcurl's own signatures
// and forward to the library opened with dlopen on the first call; nothing
// else changes for their callers. When libcurl cannot be opened, every call
// fails as libcurl fails without memory (null handles, CURLE_FAILED_INIT),
// and curl_easy_strerror says what is missing.
#include <curl/curl.h>

#include <cstdarg>
#include <mutex>
#include <string>

#include <dlfcn.h>

#include "core/dl_symbol.hpp"

namespace {

// The variadic setopt/getinfo calls pass one argument: a long, a pointer, a
// function pointer or a curl_off_t. On the ABIs megarouter builds for these
// travel in one integer register or stack word, so one void* carries each.
static_assert(sizeof(long) == sizeof(void*) && sizeof(curl_off_t) == sizeof(void*));

struct Api {
    CURLcode (*global_init)(long);
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    void (*easy_cleanup)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
    CURLM* (*multi_init)();
    CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM*, CURL*);
    CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
    CURLMcode (*multi_cleanup)(CURLM*);
    CURLMcode (*multi_perform)(CURLM*, int*);
    CURLMcode (*multi_poll)(CURLM*, curl_waitfd*, unsigned int, int, int*);
    CURLMcode (*multi_wakeup)(CURLM*);
    CURLMsg* (*multi_info_read)(CURLM*, int*);
    CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*);
    CURLU* (*url)();
    void (*url_cleanup)(CURLU*);
    CURLUcode (*url_get)(CURLU*, CURLUPart, char**, unsigned int);
    CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int);
    void (*free)(void*);
    bool loaded = false;
    std::string why; // when not loaded
};

bool bind(void* library, const char* name, auto& slot, std::string& why) {
    return megarouter::core::dl_symbol(library, "libcurl", name, slot, why);
}

const Api& api() {
    static Api table;
    static std::once_flag once;
    std::call_once(once, [] {
        void* library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            const char* error = dlerror();
            table.why = std::string("libcurl could not be loaded (") + (error ? error : "libcurl.so.4") +
                        "); install libcurl4";
            return;
        }
        std::string& why = table.why;
        bool ok = bind(library, "curl_global_init", table.global_init, why) &
                  bind(library, "curl_easy_init", table.easy_init, why) &
                  bind(library, "curl_easy_setopt", table.easy_setopt, why) &
                  bind(library, "curl_easy_perform", table.easy_perform, why) &
                  bind(library, "curl_easy_cleanup", table.easy_cleanup, why) &
                  bind(library, "curl_easy_getinfo", table.easy_getinfo, why) &
                  bind(library, "curl_easy_strerror", table.easy_strerror, why) &
                  bind(library, "curl_slist_append", table.slist_append, why) &
                  bind(library, "curl_slist_free_all", table.slist_free_all, why) &
                  bind(library, "curl_multi_init", table.multi_init, why) &
                  bind(library, "curl_multi_setopt", table.multi_setopt, why) &
                  bind(library, "curl_multi_add_handle", table.multi_add_handle, why) &
                  bind(library, "curl_multi_remove_handle", table.multi_remove_handle, why) &
                  bind(library, "curl_multi_cleanup", table.multi_cleanup, why) &
                  bind(library, "curl_multi_perform", table.multi_perform, why) &
                  bind(library, "curl_multi_poll", table.multi_poll, why) &
                  bind(library, "curl_multi_wakeup", table.multi_wakeup, why) &
                  bind(library, "curl_multi_info_read", table.multi_info_read, why) &
                  bind(library, "curl_multi_socket_action", table.multi_socket_action, why) &
                  bind(library, "curl_url", table.url, why) & bind(library, "curl_url_cleanup", table.url_cleanup, why) &
                  bind(library, "curl_url_get", table.url_get, why) & bind(library, "curl_url_set", table.url_set, why) &
                  bind(library, "curl_free", table.free, why);
        table.loaded = ok;
    });
    return table;
}

void* one_argument(va_list args) { return va_arg(args, void*); }

} // namespace

extern "C" {

CURLcode curl_global_init(long flags) { return api().loaded ? api().global_init(flags) : CURLE_FAILED_INIT; }

CURL* curl_easy_init() { return api().loaded ? api().easy_init() : nullptr; }

CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
    if (!api().loaded || !curl) return CURLE_FAILED_INIT;
    va_list args;
    va_start(args, option);
    void* value = one_argument(args);
    va_end(args);
    return api().easy_setopt(curl, option, value);
}

CURLcode curl_easy_perform(CURL* curl) { return api().loaded && curl ? api().easy_perform(curl) : CURLE_FAILED_INIT; }

void curl_easy_cleanup(CURL* curl) {
    if (api().loaded && curl) api().easy_cleanup(curl);
}

CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
    if (!api().loaded || !curl) return CURLE_FAILED_INIT;
    va_list args;
    va_start(args, info);
    void* out = one_argument(args);
    va_end(args);
    return api().easy_getinfo(curl, info, out);
}

const char* curl_easy_strerror(CURLcode code) {
    return api().loaded ? api().easy_strerror(code) : api().why.c_str();
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
    return api().loaded ? api().slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
    if (api().loaded && list) api().slist_free_all(list);
}

CURLM* curl_multi_init() { return api().loaded ? api().multi_init() : nullptr; }

CURLMcode curl_multi_setopt(CURLM* multi, CURLMoption option, ...) {
    if (!api().loaded || !multi) return CURLM_BAD_HANDLE;
    va_list args;
    va_start(args, option);
    void* value = one_argument(args);
    va_end(args);
    return api().multi_setopt(multi, option, value);
}

CURLMcode curl_multi_add_handle(CURLM* multi, CURL* easy) {
    return api().loaded && multi ? api().multi_add_handle(multi, easy) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* easy) {
    return api().loaded && multi ? api().multi_remove_handle(multi, easy) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_cleanup(CURLM* multi) {
    return api().loaded && multi ? api().multi_cleanup(multi) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_perform(CURLM* multi, int* running) {
    return api().loaded && multi ? api().multi_perform(multi, running) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_poll(CURLM* multi, curl_waitfd extra[], unsigned int extra_count, int timeout_ms, int* ready) {
    return api().loaded && multi ? api().multi_poll(multi, extra, extra_count, timeout_ms, ready) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_wakeup(CURLM* multi) {
    return api().loaded && multi ? api().multi_wakeup(multi) : CURLM_BAD_HANDLE;
}

CURLMsg* curl_multi_info_read(CURLM* multi, int* left) {
    if (left) *left = 0;
    return api().loaded && multi ? api().multi_info_read(multi, left) : nullptr;
}

CURLMcode curl_multi_socket_action(CURLM* multi, curl_socket_t socket, int events, int* running) {
    return api().loaded && multi ? api().multi_socket_action(multi, socket, events, running) : CURLM_BAD_HANDLE;
}

CURLU* curl_url() { return api().loaded ? api().url() : nullptr; }

void curl_url_cleanup(CURLU* url) {
    if (api().loaded && url) api().url_cleanup(url);
}

CURLUcode curl_url_get(CURLU* url, CURLUPart what, char** part, unsigned int flags) {
    return api().loaded && url ? api().url_get(url, what, part, flags) : CURLUE_BAD_HANDLE;
}

CURLUcode curl_url_set(CURLU* url, CURLUPart what, const char* part, unsigned int flags) {
    return api().loaded && url ? api().url_set(url, what, part, flags) : CURLUE_BAD_HANDLE;
}

void curl_free(void* p) {
    if (api().loaded && p) api().free(p);
}

} // extern "C"
