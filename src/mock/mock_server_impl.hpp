// The mock server's private state, shared by the files that implement it:
// mock_server.cpp (lifecycle, routing, recording, control endpoints) and
// mock_serve.cpp (answering one provider request under its Behavior).
#pragma once

#include "megarouter/mock/mock_server.hpp"
#include "mock/mock_formats.hpp"

#include <httplib.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace megarouter::mock {

struct MockServer::Impl {
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::atomic<bool> listen_returned{false};
    std::atomic<std::uint64_t> sequence{0};
    std::string host;
    int port = 0;

    mutable std::mutex mutex; // guards everything below
    std::map<std::string, Behavior> behaviors;
    std::map<std::string, int> failures_served; // per model, for fail_times
    std::deque<RecordedRequest> recorded;
    std::string models_document = R"({"data":[]})";

    void install_routes();
    void dispatch(const httplib::Request& req, httplib::Response& res);
    void record(const httplib::Request& req);
    void control(const httplib::Request& req, httplib::Response& res);
    void list_models(httplib::Response& res);

    // mock_serve.cpp: one provider request, from JSON body to reply.
    using TurnParser = std::expected<detail::Turn, std::string> (*)(const detail::json&);
    void serve(const httplib::Request& req, httplib::Response& res, detail::Format format, TurnParser parse);
    void serve_gemini(const httplib::Request& req, httplib::Response& res);
    void serve_embeddings(const httplib::Request& req, httplib::Response& res);
    void serve_turn(const httplib::Request& req, httplib::Response& res, detail::Format format,
                    const detail::Turn& turn, bool gemini_sse);

    std::expected<Behavior, std::string> behavior_for(const httplib::Request& req, const std::string& model) const;
    bool should_fail(const std::string& model, const Behavior& behavior);
    // Sleeps up to `ms`, waking early when the server stops; false if it stopped.
    bool sleep_unless_stopping(int ms) const;
};

} // namespace megarouter::mock
