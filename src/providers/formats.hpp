// The per-format translation functions behind the adapter classes. Internal
// to src/providers; other modules use adapter.hpp.
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "megarouter/providers/adapter.hpp"

namespace megarouter::providers::detail {

// OpenAI chat completions.
nlohmann::json openai_encode_request(const ChatRequest& request, std::string_view model);
Result<ChatRequest> openai_decode_client_request(const nlohmann::json& body);
Result<ChatResponse> openai_decode_response(const nlohmann::json& body);
nlohmann::json openai_encode_client_response(const ChatResponse& response, std::string_view model);
catalog::Usage openai_usage(const nlohmann::json& usage);
nlohmann::json openai_usage_json(const catalog::Usage& usage);
Error openai_decode_error(int status, std::string_view body, const upstream::Headers& headers);
ClientError openai_encode_client_error(const Error& error);
std::unique_ptr<StreamDecoder> openai_stream_decoder(bool usage_only = false);
std::unique_ptr<StreamEncoder> openai_stream_encoder(std::string_view model);

// Anthropic Messages.
nlohmann::json anthropic_encode_request(const ChatRequest& request, std::string_view model);
Result<ChatRequest> anthropic_decode_client_request(const nlohmann::json& body);
Result<ChatResponse> anthropic_decode_response(const nlohmann::json& body);
nlohmann::json anthropic_encode_client_response(const ChatResponse& response, std::string_view model);
catalog::Usage anthropic_usage(const nlohmann::json& usage);
nlohmann::json anthropic_usage_json(const catalog::Usage& usage);
Error anthropic_decode_error(int status, std::string_view body, const upstream::Headers& headers);
ClientError anthropic_encode_client_error(const Error& error);
std::string anthropic_error_type(const Error& error);
std::unique_ptr<StreamDecoder> anthropic_stream_decoder(bool usage_only = false);
std::unique_ptr<StreamEncoder> anthropic_stream_encoder(std::string_view model);

// Google Gemini generateContent.
nlohmann::json gemini_encode_request(const ChatRequest& request, std::string_view model);
Result<ChatResponse> gemini_decode_response(const nlohmann::json& body);
catalog::Usage gemini_usage(const nlohmann::json& usage);
Error gemini_decode_error(int status, std::string_view body, const upstream::Headers& headers);
std::unique_ptr<StreamDecoder> gemini_stream_decoder();

// Whether a client error should carry `x-should-retry: false`.
bool retry_can_help(const Error& error);

} // namespace megarouter::providers::detail
