// http::ChunkedDecoder (include/megarouter/http/chunked_decoder.hpp): HTTP/1.1
// chunked transfer coding decoded a piece at a time, with the consumed /
// re-feed protocol: the caller keeps the bytes feed() did not consume and
// feeds them again followed by whatever arrives next.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "megarouter/http/chunked_decoder.hpp"

using megarouter::http::ChunkedDecoder;
using Status = ChunkedDecoder::Status;

namespace {

struct Outcome {
    Status status = Status::more;
    std::string body;                // everything handed to the callback
    std::vector<std::string> pieces; // one entry per callback call
    std::size_t consumed = 0;        // total bytes of the input consumed
    std::string rest;                // input left over (not consumed) at the end
};

// Feeds `input` in one go.
Outcome feed_whole(std::string_view input) {
    ChunkedDecoder decoder;
    Outcome out;
    auto fed = decoder.feed(input, [&](std::string_view bytes) {
        out.body += bytes;
        out.pieces.emplace_back(bytes);
        return true;
    });
    out.status = fed.status;
    out.consumed = fed.consumed;
    out.rest = std::string(input.substr(fed.consumed));
    return out;
}

// Feeds `input` `step` bytes at a time, as a socket reader would: unconsumed
// bytes are kept and fed again with the next ones. Stops at the first status
// other than more.
Outcome feed_in_steps(std::string_view input, std::size_t step = 1) {
    ChunkedDecoder decoder;
    Outcome out;
    std::string pending;
    std::size_t next = 0;
    while (next < input.size()) {
        std::size_t take = std::min(step, input.size() - next);
        pending.append(input.substr(next, take));
        next += take;
        auto fed = decoder.feed(pending, [&](std::string_view bytes) {
            out.body += bytes;
            out.pieces.emplace_back(bytes);
            return true;
        });
        REQUIRE(fed.consumed <= pending.size());
        out.consumed += fed.consumed;
        pending.erase(0, fed.consumed);
        out.status = fed.status;
        if (fed.status != Status::more) break;
    }
    out.rest = pending + std::string(input.substr(next));
    return out;
}

const std::string k_two_chunks = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

} // namespace

TEST_CASE("chunked decoder: a whole answer in one feed") {
    auto out = feed_whole(k_two_chunks);
    CHECK(out.status == Status::done);
    CHECK(out.consumed == k_two_chunks.size());
    CHECK(out.body == "hello world");
    REQUIRE(out.pieces.size() == 2);
    CHECK(out.pieces[0] == "hello");
    CHECK(out.pieces[1] == " world");

    SUBCASE("hex sizes, upper and lower case, leading zeros") {
        std::string big(0x1a, 'x');
        std::string bigger(0xAB, 'y');
        std::string input = "1a\r\n" + big + "\r\n00AB\r\n" + bigger + "\r\n000\r\n\r\n";
        auto hex = feed_whole(input);
        CHECK(hex.status == Status::done);
        CHECK(hex.consumed == input.size());
        CHECK(hex.body == big + bigger);
    }
    SUBCASE("bytes after the last chunk are left for the next answer") {
        std::string input = k_two_chunks + "HTTP/1.1 200 OK\r\n";
        auto next = feed_whole(input);
        CHECK(next.status == Status::done);
        CHECK(next.consumed == k_two_chunks.size());
        CHECK(next.rest == "HTTP/1.1 200 OK\r\n");
        CHECK(next.body == "hello world");
    }
    SUBCASE("an empty body") {
        auto empty = feed_whole("0\r\n\r\n");
        CHECK(empty.status == Status::done);
        CHECK(empty.consumed == 5);
        CHECK(empty.pieces.empty());
    }
    SUBCASE("nothing yet") {
        auto nothing = feed_whole("");
        CHECK(nothing.status == Status::more);
        CHECK(nothing.consumed == 0);
    }
}

TEST_CASE("chunked decoder: the same answer one byte at a time") {
    auto out = feed_in_steps(k_two_chunks, 1);
    CHECK(out.status == Status::done);
    CHECK(out.consumed == k_two_chunks.size());
    CHECK(out.rest.empty());
    CHECK(out.body == "hello world");
    for (const auto& piece : out.pieces) CHECK(piece.size() == 1); // data is handed on as soon as it arrives

    SUBCASE("in uneven steps the result is the same") {
        for (std::size_t step : {2u, 3u, 4u, 7u, 11u}) {
            CAPTURE(step);
            auto stepped = feed_in_steps(k_two_chunks + "tail", step);
            CHECK(stepped.status == Status::done);
            CHECK(stepped.body == "hello world");
            CHECK(stepped.consumed == k_two_chunks.size());
            CHECK(stepped.rest == "tail");
        }
    }
    SUBCASE("a partial chunk is delivered and consumed, the rest follows") {
        ChunkedDecoder decoder;
        std::string body;
        auto collect = [&](std::string_view bytes) {
            body += bytes;
            return true;
        };
        auto first = decoder.feed("5\r\nhel", collect);
        CHECK(first.status == Status::more);
        CHECK(first.consumed == 6);
        CHECK(body == "hel");
        auto second = decoder.feed("lo\r", collect); // the CRLF after the data is split
        CHECK(second.status == Status::more);
        CHECK(second.consumed == 2);
        CHECK(body == "hello");
        auto third = decoder.feed("\r\n0\r", collect); // "\r" kept from before, size line incomplete
        CHECK(third.status == Status::more);
        CHECK(third.consumed == 2);
        auto fourth = decoder.feed("0\r\n\r\n", collect);
        CHECK(fourth.status == Status::done);
        CHECK(fourth.consumed == 5);
        CHECK(body == "hello");
        auto after = decoder.feed("", collect); // done stays done
        CHECK(after.status == Status::done);
        CHECK(after.consumed == 0);
    }
}

TEST_CASE("chunked decoder: chunk extensions are ignored") {
    std::string input = "5;name=value\r\nhello\r\n6 ; quoted=\"a;b\"\r\n world\r\n0;last\r\n\r\n";
    auto whole = feed_whole(input);
    CHECK(whole.status == Status::done);
    CHECK(whole.consumed == input.size());
    CHECK(whole.body == "hello world");
    auto bytewise = feed_in_steps(input, 1);
    CHECK(bytewise.status == Status::done);
    CHECK(bytewise.consumed == input.size());
    CHECK(bytewise.body == "hello world");
}

TEST_CASE("chunked decoder: trailers are read and skipped") {
    std::string input = "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\nNEXT";
    auto whole = feed_whole(input);
    CHECK(whole.status == Status::done);
    CHECK(whole.body == "hello");
    CHECK(whole.rest == "NEXT");
    auto bytewise = feed_in_steps(input, 1);
    CHECK(bytewise.status == Status::done);
    CHECK(bytewise.body == "hello");
    CHECK(bytewise.rest == "NEXT");

    SUBCASE("trailers not complete yet") {
        auto partial = feed_whole("5\r\nhello\r\n0\r\nX-Checksum: abc\r\n");
        CHECK(partial.status == Status::more);
        CHECK(partial.body == "hello");
    }
    SUBCASE("an endless trailer line is malformed") {
        std::string endless = "0\r\nX-Long: " + std::string(9000, 'a');
        CHECK(feed_whole(endless).status == Status::bad);
        CHECK(feed_in_steps(endless, 500).status == Status::bad);
    }
}

TEST_CASE("chunked decoder: a bad size line is malformed") {
    for (std::string line : {"zz", "", " ", "-5", "+5", "0x5", "5 5", "g", "1ffffffffffffffff" /* over 64 bits */}) {
        CAPTURE(line);
        bool called = false;
        ChunkedDecoder decoder;
        auto fed = decoder.feed(line + "\r\nhello\r\n0\r\n\r\n", [&](std::string_view) {
            called = true;
            return true;
        });
        CHECK(fed.status == Status::bad);
        CHECK_FALSE(called);
    }
    SUBCASE("after a good chunk") {
        auto out = feed_whole("5\r\nhello\r\nxyz\r\n");
        CHECK(out.status == Status::bad);
        CHECK(out.body == "hello");
    }
}

TEST_CASE("chunked decoder: data not followed by CRLF is malformed") {
    auto longer = feed_whole("5\r\nhelloX\r\n0\r\n\r\n"); // more data than the size says
    CHECK(longer.status == Status::bad);
    CHECK(longer.body == "hello");
    CHECK(feed_whole("5\r\nhello\n0\r\n\r\n").status == Status::bad);      // LF only
    CHECK(feed_in_steps("5\r\nhelloX\r\n0\r\n\r\n", 1).status == Status::bad);
    CHECK(feed_in_steps("5\r\nhello\r0\r\n\r\n", 1).status == Status::bad); // CR only
}

TEST_CASE("chunked decoder: the callback returning false stops decoding") {
    ChunkedDecoder decoder;
    std::vector<std::string> seen;
    std::string input = k_two_chunks;
    auto fed = decoder.feed(input, [&](std::string_view bytes) {
        seen.emplace_back(bytes);
        return false;
    });
    CHECK(fed.status == Status::stopped);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == "hello");
    CHECK(fed.consumed == 3 + 5); // the size line and the data delivered, nothing beyond

    SUBCASE("stopping on the second chunk") {
        ChunkedDecoder second;
        int calls = 0;
        auto out = second.feed(input, [&](std::string_view) { return ++calls < 2; });
        CHECK(out.status == Status::stopped);
        CHECK(calls == 2);
        CHECK(out.consumed == input.find(" world") + 6);
    }
}

TEST_CASE("chunked decoder: an endless size line is malformed, not buffered forever") {
    std::string endless(9000, '1');
    CHECK(feed_whole(endless).status == Status::bad);
    auto stepped = feed_in_steps(endless, 512);
    CHECK(stepped.status == Status::bad);
    CHECK(stepped.consumed == 0);

    SUBCASE("a short incomplete size line just asks for more") {
        auto out = feed_whole(std::string(100, '0'));
        CHECK(out.status == Status::more);
        CHECK(out.consumed == 0);
    }
    SUBCASE("an endless extension on a size line") {
        CHECK(feed_whole("5;" + std::string(9000, 'e')).status == Status::bad);
    }
}
