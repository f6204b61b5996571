// x-megarouter-overhead-ms: the gateway's own time on every answer, with the
// upstream's wait left out, and the same figure in the access log.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "e2e/proxy_harness.hpp"

using nlohmann::json;
using proxy_e2e::ProxyFixture;

TEST_CASE("overhead e2e: the upstream's wait is not counted as megarouter's time") {
    ProxyFixture fx;
    // The provider takes 400 ms before its first byte.
    fx.mock.set_behavior("*", megarouter::mock::behavior_from_json(R"({"first_byte_delay_ms":400})").value());
    auto client = fx.client();
    for (bool stream : {false, true}) {
        for (const char* model : {"gpt-4o-mini", "claude-haiku-4-5"}) { // passed through, translated
            CAPTURE(stream);
            CAPTURE(model);
            json body = {{"model", model}, {"stream", stream}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
            auto began = std::chrono::steady_clock::now();
            auto answer = client.Post("/v1/chat/completions", body.dump(), "application/json");
            double total_ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
            REQUIRE(answer);
            CHECK(answer->status == 200);
            REQUIRE(answer->has_header("x-megarouter-overhead-ms"));
            double overhead = std::stod(answer->get_header_value("x-megarouter-overhead-ms"));
            CHECK(total_ms >= 400);
            CHECK(overhead >= 0);
            CHECK(overhead < 200); // the 400 ms wait is excluded (generous for a loaded CI machine)
            json line = json::parse(fx.access_line(answer->get_header_value("x-request-id")));
            CHECK(line["overhead_ms"].get<double>() >= 0);
            CHECK(line["overhead_ms"].get<double>() < 200);
            CHECK(line["latency_ms"].get<double>() >= 400);
        }
    }
    // A request refused before any upstream call: all of it is megarouter's time.
    auto refused = client.Post("/v1/chat/completions", R"({"model":"gpt-4o-minii","messages":[]})", "application/json");
    REQUIRE(refused);
    CHECK(refused->has_header("x-megarouter-overhead-ms"));
}
