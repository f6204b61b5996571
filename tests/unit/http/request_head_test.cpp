// The pure parsing functions behind the HTTP server: parse_request_head,
// body_framing, wants_keep_alive, chunked request bodies and reason_phrase.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/http/chunked_decoder.hpp"
#include "megarouter/http/request_head.hpp"

using namespace megarouter::http;

namespace {

constexpr std::size_t k_max = 64 * 1024;

struct Parsed {
    HeadParse parse;
    Request request;
};

Parsed parse(std::string_view bytes, std::size_t max = k_max) {
    Parsed out;
    out.parse = parse_request_head(bytes, max, out.request);
    return out;
}

Request with_headers(const std::string& version, std::initializer_list<std::pair<std::string, std::string>> headers) {
    Request request;
    request.method = "POST";
    request.version = version;
    for (const auto& [name, value] : headers) request.headers.add(name, value);
    return request;
}

// A request body in chunked coding, decoded the way the server's connection
// does it (http::ChunkedDecoder, the body bounded by max_body).
enum class ChunkedStatus { complete, partial, bad, too_large };

struct Decoded {
    ChunkedStatus status;
    std::string body;
    std::size_t consumed = 0;
};

Decoded decode(std::string_view bytes, std::size_t max_body = 1 << 20) {
    Decoded out{ChunkedStatus::partial, "<untouched>", 12345};
    ChunkedDecoder decoder(max_body);
    std::string body;
    auto fed = decoder.feed(bytes, [&](std::string_view part) {
        if (body.size() + part.size() > max_body) return false;
        body.append(part);
        return true;
    });
    switch (fed.status) {
    case ChunkedDecoder::Status::done:
        out = {ChunkedStatus::complete, body, fed.consumed};
        break;
    case ChunkedDecoder::Status::more: out.status = ChunkedStatus::partial; break;
    case ChunkedDecoder::Status::bad: out.status = ChunkedStatus::bad; break;
    case ChunkedDecoder::Status::stopped:
    case ChunkedDecoder::Status::too_large: out.status = ChunkedStatus::too_large; break;
    }
    return out;
}

} // namespace

TEST_CASE("request head: a complete head fills the request and says where the body starts") {
    const std::string head = "POST /v1/chat/completions?stream=true&model=gpt-4o HTTP/1.1\r\n"
                             "Host: localhost:8080\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 7\r\n"
                             "\r\n";
    auto p = parse(head + "{\"a\":1}GET /next HTTP/1.1\r\n\r\n");
    REQUIRE(p.parse.status == HeadStatus::complete);
    CHECK(p.parse.head_bytes == head.size());
    CHECK(p.request.method == "POST");
    CHECK(p.request.target == "/v1/chat/completions?stream=true&model=gpt-4o");
    CHECK(p.request.path == "/v1/chat/completions");
    CHECK(p.request.version == "HTTP/1.1");
    CHECK(p.request.get_param_value("stream") == "true");
    CHECK(p.request.get_param_value("model") == "gpt-4o");
    CHECK(p.request.headers.size() == 3);
    CHECK(p.request.headers.get("Host") == "localhost:8080");
    CHECK(p.request.headers.get("content-type") == "application/json"); // names are case-insensitive
    CHECK(p.request.body.empty());
}

TEST_CASE("request head: HTTP/1.0, no headers at all, and blank lines before the request line") {
    auto p = parse("GET / HTTP/1.0\r\n\r\n");
    REQUIRE(p.parse.status == HeadStatus::complete);
    CHECK(p.parse.head_bytes == 18);
    CHECK(p.request.version == "HTTP/1.0");
    CHECK(p.request.path == "/");
    CHECK(p.request.headers.empty());
    CHECK(p.request.params.empty());

    // RFC 9112 2.2: empty lines before the request line are ignored; they count as consumed.
    auto q = parse("\r\n\r\nGET /x HTTP/1.1\r\nA: b\r\nHost: h\r\n\r\n");
    REQUIRE(q.parse.status == HeadStatus::complete);
    CHECK(q.parse.head_bytes == 4 + 34);
    CHECK(q.request.path == "/x");
    CHECK(q.request.headers.get("A") == "b");
}

TEST_CASE("request head: partial until the blank line is in") {
    const std::string full = "GET /v1/models HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
    for (std::size_t n = 0; n < full.size(); ++n) {
        CAPTURE(n);
        auto p = parse(full.substr(0, n));
        CHECK(p.parse.status == HeadStatus::partial);
    }
    CHECK(parse(full).parse.status == HeadStatus::complete);
}

TEST_CASE("request head: malformed heads are bad") {
    const char* bad[] = {
        "GARBAGE\r\n\r\n",
        "GET /\r\n\r\n",                        // no version
        "GET / HTTP/2.0\r\n\r\n",               // not HTTP/1.x
        "GET / http/1.1\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",              // two spaces: the target would hold a space
        "GET /a b HTTP/1.1\r\n\r\n",            // a space in the target
        " / HTTP/1.1\r\n\r\n",                  // no method
        "GE(T / HTTP/1.1\r\n\r\n",              // not a token
        "GET / HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded: continuation\r\n\r\n", // obsolete line folding
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",   // whitespace before the colon
    };
    for (const char* head : bad) {
        CAPTURE(head);
        CHECK(parse(head).parse.status == HeadStatus::bad);
    }
}

namespace {
HeadStatus status_of(const std::string& head) { return parse(head).parse.status; }
const std::string k_ok_line = "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n";
} // namespace

TEST_CASE("request head: control characters in header values are refused, each on its own") {
    // A valid head for reference: tab and obs-text are field value characters.
    CHECK(status_of(k_ok_line + "X-A: tab\there \xC3\xA9\r\n\r\n") == HeadStatus::complete);
    SUBCASE("bare LF inside a value (a smuggled second header upstream)") {
        CHECK(status_of(k_ok_line + "anthropic-version: 2023-06-01\nX-Evil: 1\r\n\r\n") == HeadStatus::bad);
    }
    SUBCASE("bare CR inside a value") { CHECK(status_of(k_ok_line + "X-A: a\rb\r\n\r\n") == HeadStatus::bad); }
    SUBCASE("CR before CRLF") { CHECK(status_of(k_ok_line + "X-A: a\r\r\n\r\n") == HeadStatus::bad); }
    SUBCASE("NUL") { CHECK(status_of(k_ok_line + std::string("X-A: a\0b\r\n\r\n", 12)) == HeadStatus::bad); }
    SUBCASE("another C0 control") { CHECK(status_of(k_ok_line + "X-A: a\x01" "b\r\n\r\n") == HeadStatus::bad); }
    SUBCASE("escape") { CHECK(status_of(k_ok_line + "X-A: \x1b[31m\r\n\r\n") == HeadStatus::bad); }
    SUBCASE("DEL") { CHECK(status_of(k_ok_line + "X-A: a\x7f\r\n\r\n") == HeadStatus::bad); }
    SUBCASE("a bare LF ending a line") { CHECK(status_of(k_ok_line + "X-A: a\nX-B: b\r\n\r\n") == HeadStatus::bad); }
}

TEST_CASE("request head: header names must be tokens, each refusal on its own") {
    for (const std::string& name : std::vector<std::string>{"Bad Name", "X-A\t", "X\x01", "X\x7f", "X(y)", "X/y", "X@y", "X\"y", "X\xC3\xA9", "X[y]",
                             std::string("X\0y", 3)}) {
        CAPTURE(name);
        CHECK(status_of(k_ok_line + name + ": v\r\n\r\n") == HeadStatus::bad);
    }
    CHECK(status_of(k_ok_line + "X-Ok_1!#$%&'*+.^`|~: v\r\n\r\n") == HeadStatus::complete);
}

TEST_CASE("request head: control characters and spaces in the request target are refused") {
    CHECK(status_of("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n") == HeadStatus::bad);
    CHECK(status_of("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n") == HeadStatus::bad);
    CHECK(status_of("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n") == HeadStatus::bad);
    CHECK(status_of(std::string("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 30)) == HeadStatus::bad);
    CHECK(status_of("GET /a\nb HTTP/1.1\r\nHost: a\r\n\r\n") == HeadStatus::bad);
}

TEST_CASE("request head: Host is required once on HTTP/1.1, at most once on HTTP/1.0") {
    CHECK(status_of("GET / HTTP/1.1\r\n\r\n") == HeadStatus::bad);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == HeadStatus::bad);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == HeadStatus::bad);
    CHECK(status_of("GET / HTTP/1.1\r\nhOsT: a\r\n\r\n") == HeadStatus::complete);
    CHECK(status_of("GET / HTTP/1.1\r\nHost:\r\n\r\n") == HeadStatus::complete); // empty is allowed (RFC 9110 7.2)
    CHECK(status_of("GET / HTTP/1.0\r\n\r\n") == HeadStatus::complete);
    CHECK(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == HeadStatus::bad);
}

TEST_CASE("request head: transfer codings and lengths that could be read two ways are refused") {
    const std::string post = "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n";
    CHECK(status_of(post + "Transfer-Encoding: chunked\r\n\r\n") == HeadStatus::complete);
    CHECK(status_of(post + "Transfer-Encoding: CHUNKED \r\n\r\n") == HeadStatus::complete);
    CHECK(status_of(post + "Content-Length: 5\r\n\r\n") == HeadStatus::complete);
    SUBCASE("Content-Length with Transfer-Encoding") {
        CHECK(status_of(post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == HeadStatus::bad);
        CHECK(status_of(post + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n") == HeadStatus::bad);
    }
    SUBCASE("Transfer-Encoding twice") {
        CHECK(status_of(post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == HeadStatus::bad);
    }
    SUBCASE("a list of codings, repeated or not") {
        CHECK(status_of(post + "Transfer-Encoding: chunked, chunked\r\n\r\n") == HeadStatus::bad);
        CHECK(status_of(post + "Transfer-Encoding: gzip, chunked\r\n\r\n") == HeadStatus::bad);
    }
    SUBCASE("unknown codings") {
        for (std::string coding : {"gzip", "identity", "chunked;x=1", "xchunked", "chunke", "\"chunked\"", ""}) {
            CAPTURE(coding);
            CHECK(status_of(post + "Transfer-Encoding: " + coding + "\r\n\r\n") == HeadStatus::bad);
        }
    }
    SUBCASE("Transfer-Encoding on HTTP/1.0") {
        CHECK(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == HeadStatus::bad);
    }
    SUBCASE("Content-Length twice, equal or not, or as a list") {
        CHECK(status_of(post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n") == HeadStatus::bad);
        CHECK(status_of(post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n") == HeadStatus::bad);
        CHECK(status_of(post + "Content-Length: 5, 5\r\n\r\n") == HeadStatus::bad);
    }
    SUBCASE("Content-Length that is not a plain decimal") {
        for (std::string length : {"-1", "+5", "0x10", "5 5", "", "99999999999999999999999"}) {
            CAPTURE(length);
            CHECK(status_of(post + "Content-Length: " + length + "\r\n\r\n") == HeadStatus::bad);
        }
    }
}

TEST_CASE("request head: a request target over k_max_target_bytes is uri_too_long, even before the head ends") {
    std::string at_limit = "/" + std::string(k_max_target_bytes - 1, 'a');
    CHECK(parse("GET " + at_limit + " HTTP/1.1\r\nHost: a\r\n\r\n").parse.status == HeadStatus::complete);
    std::string over = at_limit + "a";
    CHECK(parse("GET " + over + " HTTP/1.1\r\nHost: a\r\n\r\n").parse.status == HeadStatus::uri_too_long);
    // Only part of the request line is in: as soon as the target alone is too long, say so.
    CHECK(parse("GET " + over).parse.status == HeadStatus::uri_too_long);
    CHECK(parse("GET " + at_limit).parse.status == HeadStatus::partial);
    // 200,000 characters: 414, not 431, whatever max_head_bytes is.
    CHECK(parse("GET /v1/models/" + std::string(200'000, 'a') + " HTTP/1.1\r\n\r\n").parse.status ==
          HeadStatus::uri_too_long);
    CHECK(parse("GET /" + std::string(200'000, 'a'), 1 << 20).parse.status == HeadStatus::uri_too_long);
}

TEST_CASE("request head: over max_head_bytes is too_large, complete or not") {
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
    CHECK(parse(head, head.size()).parse.status == HeadStatus::complete); // exactly at the limit
    CHECK(parse(head, head.size() - 1).parse.status == HeadStatus::too_large);

    // No blank line yet, but already over the limit: no point reading more.
    std::string endless = "GET / HTTP/1.1\r\nX-Pad: " + std::string(5000, 'p');
    CHECK(parse(endless, 4096).parse.status == HeadStatus::too_large);
    CHECK(parse(endless, 8192).parse.status == HeadStatus::partial);
}

TEST_CASE("request head: endless blank lines before the request line cannot grow the buffer without limit") {
    // The server keeps reading while the parser says partial, so a client
    // sending nothing but CRLFs must hit the head limit like any other head.
    std::string crlfs;
    for (int i = 0; i < 8192; ++i) crlfs += "\r\n";
    auto status = parse(crlfs, 4096).parse.status;
    CHECK(status != HeadStatus::partial);
    CHECK((status == HeadStatus::too_large || status == HeadStatus::bad));
}

TEST_CASE("request head: the path is percent-decoded, the query goes to params") {
    auto p = parse("GET /files/a%20b/%C3%A9t%C3%A9?q=hello%20world&empty=&x=1&x=2&amp%26=%3D HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(p.parse.status == HeadStatus::complete);
    CHECK(p.request.path == "/files/a b/\xC3\xA9t\xC3\xA9");
    CHECK(p.request.target == "/files/a%20b/%C3%A9t%C3%A9?q=hello%20world&empty=&x=1&x=2&amp%26=%3D");
    CHECK(p.request.get_param_value("q") == "hello world");
    CHECK(p.request.has_param("empty"));
    CHECK(p.request.get_param_value("empty").empty());
    CHECK(std::count_if(p.request.params.begin(), p.request.params.end(), [](const auto& kv) { return kv.first == "x"; }) == 2);
    CHECK(p.request.get_param_value("amp&") == "=");

    // A path without '%' is kept as is, and '+' in a path is not a space.
    auto q = parse("GET /v1/models/a+b HTTP/1.1\r\nHost: a\r\n\r\n");
    REQUIRE(q.parse.status == HeadStatus::complete);
    CHECK(q.request.path == "/v1/models/a+b");
    CHECK(q.request.params.empty());
}

TEST_CASE("request head: header values are trimmed, repeated headers kept") {
    auto p = parse("GET / HTTP/1.1\r\n"
                   "Host: a\r\n"
                   "X-Spaces:    padded value  \t\r\n"
                   "X-Tight:tight\r\n"
                   "X-Empty:\r\n"
                   "X-Inner: a  b\r\n"
                   "Accept: text/plain\r\n"
                   "Accept: application/json\r\n"
                   "\r\n");
    REQUIRE(p.parse.status == HeadStatus::complete);
    CHECK(p.request.headers.get("X-Spaces") == "padded value");
    CHECK(p.request.headers.get("X-Tight") == "tight");
    CHECK(p.request.headers.has("X-Empty"));
    CHECK(p.request.headers.get("X-Empty").empty());
    CHECK(p.request.headers.get("X-Inner") == "a  b");
    CHECK(p.request.headers.count("Accept") == 2);
}

TEST_CASE("body framing: none, Content-Length, chunked, and the bad ones") {
    using Kind = BodyFraming::Kind;
    auto framing = [](std::initializer_list<std::pair<std::string, std::string>> headers) {
        return body_framing(with_headers("HTTP/1.1", headers));
    };
    CHECK(framing({}).kind == Kind::none);
    CHECK(framing({{"Content-Length", "0"}}).kind == Kind::none);

    auto length = framing({{"Content-Length", "42"}});
    CHECK(length.kind == Kind::length);
    CHECK(length.length == 42);
    CHECK(framing({{"content-length", " 42 "}}).length == 42); // trimmed, name case-insensitive
    auto big = framing({{"Content-Length", "10000000000"}});
    CHECK(big.kind == Kind::length);
    CHECK(big.length == 10'000'000'000ULL);

    CHECK(framing({{"Content-Length", "42"}, {"Content-Length", "42"}}).kind == Kind::bad); // duplicate
    CHECK(framing({{"Content-Length", "4"}, {"Content-Length", "2"}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", "12abc"}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", "abc"}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", ""}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", "-1"}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", "+5"}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", "0x10"}}).kind == Kind::bad);
    CHECK(framing({{"Content-Length", "99999999999999999999999"}}).kind == Kind::bad); // overflows 64 bits

    CHECK(framing({{"Transfer-Encoding", "chunked"}}).kind == Kind::chunked);
    CHECK(framing({{"transfer-encoding", "Chunked"}}).kind == Kind::chunked);
    CHECK(framing({{"Transfer-Encoding", "gzip"}}).kind == Kind::bad);
    CHECK(framing({{"Transfer-Encoding", "identity"}}).kind == Kind::bad);
    // Transfer-Encoding wins over Content-Length (RFC 9112 6.3): never framed by the length.
    CHECK(framing({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}).kind == Kind::bad);
}

TEST_CASE("body framing: parsed heads feed body_framing") {
    auto p = parse("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    REQUIRE(p.parse.status == HeadStatus::complete);
    CHECK(body_framing(p.request).kind == BodyFraming::Kind::length);

    auto q = parse("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked \r\n\r\n");
    REQUIRE(q.parse.status == HeadStatus::complete);
    CHECK(body_framing(q.request).kind == BodyFraming::Kind::chunked);
}

TEST_CASE("keep-alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with Connection: keep-alive") {
    CHECK(wants_keep_alive(with_headers("HTTP/1.1", {})));
    CHECK(wants_keep_alive(with_headers("HTTP/1.1", {{"Connection", "keep-alive"}})));
    CHECK_FALSE(wants_keep_alive(with_headers("HTTP/1.1", {{"Connection", "close"}})));
    CHECK_FALSE(wants_keep_alive(with_headers("HTTP/1.1", {{"connection", "Close"}})));

    CHECK_FALSE(wants_keep_alive(with_headers("HTTP/1.0", {})));
    CHECK_FALSE(wants_keep_alive(with_headers("HTTP/1.0", {{"Connection", "close"}})));
    CHECK(wants_keep_alive(with_headers("HTTP/1.0", {{"Connection", "keep-alive"}})));
    CHECK(wants_keep_alive(with_headers("HTTP/1.0", {{"Connection", "Keep-Alive"}})));

    auto p = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    REQUIRE(p.parse.status == HeadStatus::complete);
    CHECK(wants_keep_alive(p.request));
}

TEST_CASE("chunked: a body in several chunks, and bytes after it left alone") {
    const std::string body = "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
    auto d = decode(body + "GET /next HTTP/1.1\r\n\r\n");
    REQUIRE(d.status == ChunkedStatus::complete);
    CHECK(d.body == "Wikipedia in\r\n\r\nchunks.");
    CHECK(d.consumed == body.size());

    // Hex sizes in either case.
    auto hex = decode("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n");
    REQUIRE(hex.status == ChunkedStatus::complete);
    CHECK(hex.body == "0123456789abcdefghij");

    // An empty body.
    auto empty = decode("0\r\n\r\n");
    REQUIRE(empty.status == ChunkedStatus::complete);
    CHECK(empty.body.empty());
    CHECK(empty.consumed == 5);
}

TEST_CASE("chunked: extensions are ignored, trailers are consumed") {
    auto ext = decode("4;name=value\r\nWiki\r\n5 ; quoted=\"a;b\"\r\npedia\r\n0;last\r\n\r\n");
    REQUIRE(ext.status == ChunkedStatus::complete);
    CHECK(ext.body == "Wikipedia");

    const std::string with_trailers = "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other: y\r\n\r\n";
    auto t = decode(with_trailers + "NEXT");
    REQUIRE(t.status == ChunkedStatus::complete);
    CHECK(t.body == "abc");
    CHECK(t.consumed == with_trailers.size());
}

TEST_CASE("chunked: every prefix of a valid body is partial") {
    const std::string full = "4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: v\r\n\r\n";
    for (std::size_t n = 0; n < full.size(); ++n) {
        CAPTURE(n);
        CHECK(decode(full.substr(0, n)).status == ChunkedStatus::partial);
    }
    CHECK(decode(full).status == ChunkedStatus::complete);
}

TEST_CASE("chunked: bad framing") {
    const char* bad[] = {
        "zz\r\nabc\r\n0\r\n\r\n",   // not hex
        "\r\nabc\r\n0\r\n\r\n",     // no size
        "-3\r\nabc\r\n0\r\n\r\n",   // negative
        "3\r\nabcXY0\r\n\r\n",      // no CRLF after the data
        "3\r\nabcd\r\n0\r\n\r\n",   // more data than announced
        "0x3\r\nabc\r\n0\r\n\r\n",
    };
    for (const char* bytes : bad) {
        CAPTURE(bytes);
        CHECK(decode(bytes).status == ChunkedStatus::bad);
    }
    // A size line that never ends is not waited for forever.
    CHECK(decode(std::string(4096, '1')).status == ChunkedStatus::bad);
    // A size that does not fit 64 bits is refused one way or the other.
    auto huge = decode("1FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n");
    CHECK((huge.status == ChunkedStatus::bad || huge.status == ChunkedStatus::too_large));
}

TEST_CASE("chunked: over max_body is too_large, exactly max_body is fine") {
    CHECK(decode("5\r\nhello\r\n0\r\n\r\n", 5).status == ChunkedStatus::complete);
    CHECK(decode("5\r\nhello\r\n0\r\n\r\n", 4).status == ChunkedStatus::too_large);
    CHECK(decode("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 5).status == ChunkedStatus::too_large); // the sum counts
    // Known from the size line alone, before the data arrives.
    CHECK(decode("FFFFFFFF\r\n", 1024).status == ChunkedStatus::too_large);
    CHECK(decode("FFFFFFFFFFFFFFFF\r\n", 1024).status == ChunkedStatus::too_large);
}

TEST_CASE("chunked: endless trailers cannot grow the buffer without limit") {
    // The server keeps reading while the decoder says partial; a trailer
    // section that never ends must be refused at some point, as an endless
    // chunk-size line is.
    std::string bytes = "3\r\nabc\r\n0\r\nX-Trailer: " + std::string(4 * 1024 * 1024, 't');
    auto status = decode(bytes, 1024).status;
    CHECK(status != ChunkedStatus::partial);
}

TEST_CASE("reason phrases") {
    CHECK(std::string(reason_phrase(100)) == "Continue");
    CHECK(std::string(reason_phrase(200)) == "OK");
    CHECK(std::string(reason_phrase(400)) == "Bad Request");
    CHECK(std::string(reason_phrase(404)) == "Not Found");
    CHECK(std::string(reason_phrase(413)) == "Payload Too Large");
    CHECK(std::string(reason_phrase(431)) == "Request Header Fields Too Large");
    CHECK(std::string(reason_phrase(500)) == "Internal Server Error");
    CHECK(std::string(reason_phrase(299)) == "OK");
    CHECK(std::string(reason_phrase(418)) == "Client Error");
    CHECK(std::string(reason_phrase(599)) == "Server Error");
}

TEST_CASE("framing headers are recognised in any case") {
    for (const char* name : {"Content-Length", "content-length", "TRANSFER-ENCODING", "Connection", "host", "Expect"})
        CHECK(is_framing_header(name));
    for (const char* name : {"Content-Type", "Authorization", "x-api-key", "Hostname", "Connection-Id", ""})
        CHECK_FALSE(is_framing_header(name));
}
