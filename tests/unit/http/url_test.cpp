// http::decode_url and http::parse_query: percent escapes, '+', malformed
// escapes kept as they are, and input of any length.
#include <doctest/doctest.h>

#include <string>

#include "megarouter/http/url.hpp"

using namespace megarouter::http;

TEST_CASE("http url: percent escapes decode in either case") {
    CHECK(decode_url("a%20b", Plus::keep) == "a b");
    CHECK(decode_url("%C3%A9t%c3%a9", Plus::keep) == "\xC3\xA9t\xC3\xA9");
    CHECK(decode_url("%2F%2f", Plus::keep) == "//");
    CHECK(decode_url("%00", Plus::keep) == std::string(1, '\0'));
    CHECK(decode_url("", Plus::keep).empty());
    CHECK(decode_url("%25%32%30", Plus::keep) == "%20"); // decoded once, not again
}

TEST_CASE("http url: '+' is a space only where asked (queries), kept in paths") {
    CHECK(decode_url("a+b", Plus::keep) == "a+b");
    CHECK(decode_url("a+b", Plus::space) == "a b");
    CHECK(decode_url("a%2Bb", Plus::space) == "a+b");
}

TEST_CASE("http url: a malformed escape is kept as it is") {
    CHECK(decode_url("%", Plus::keep) == "%");
    CHECK(decode_url("a%", Plus::keep) == "a%");
    CHECK(decode_url("%4", Plus::keep) == "%4");
    CHECK(decode_url("%zz", Plus::keep) == "%zz");
    CHECK(decode_url("%4g%41", Plus::keep) == "%4gA");
    CHECK(decode_url("%%41", Plus::keep) == "%A");
    CHECK(decode_url("%u00e9", Plus::keep) == "%u00e9"); // no non-standard %u escapes
}

TEST_CASE("http url: long input decodes in one linear pass, never longer than it came") {
    std::string escaped;
    for (int i = 0; i < 100'000; ++i) escaped += "%41";
    std::string decoded = decode_url(escaped, Plus::keep);
    CHECK(decoded == std::string(100'000, 'A'));
    std::string percents(1'000'000, '%');
    CHECK(decode_url(percents, Plus::space) == percents);
}

TEST_CASE("http url: query pairs in order, decoded, with empty and valueless pieces") {
    QueryParams params;
    parse_query("b=two%20words&a=1&a=2&empty=&flag&&=nameless&x=1=2&plus=a+b&amp%26=%3D", params);
    QueryParams expected{{"b", "two words"}, {"a", "1"},   {"a", "2"},       {"empty", ""},
                         {"flag", ""},       {"x", "1=2"}, {"plus", "a b"}, {"amp&", "="}};
    CHECK(params == expected);

    QueryParams none;
    parse_query("", none);
    parse_query("&&&", none);
    CHECK(none.empty());
}

TEST_CASE("http url: a large query parses whole") {
    std::string query;
    for (int i = 0; i < 2'000; ++i) query += "k" + std::to_string(i) + "=v&";
    QueryParams params;
    parse_query(query, params);
    REQUIRE(params.size() == 2'000);
    CHECK(params.back().first == "k1999");
}
