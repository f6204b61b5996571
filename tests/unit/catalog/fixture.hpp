// A small catalog document for the catalog tests, with the vendors' published
// prices (USD per million tokens) so cost figures can be checked by hand.
#pragma once

#include <string_view>

namespace megarouter::catalog::test {

inline constexpr std::string_view k_fixture = R"({"version":1,"generated":"2025-06-01","models":[
{"id":"gpt-4o","name":"GPT-4o","vendor":"openai","family":"gpt-4o","released":"2024-05-13","deprecated":"","context":128000,"max_output":16384,
 "input":["text","image"],"output":["text"],"caps":["tools","parallel_tools","vision","json_schema","prompt_caching"],"tier":"strong","quality":null,
 "aliases":["gpt-4o-2024-08-06","openai/gpt-4o"],
 "offerings":[{"provider":"openai","id":"gpt-4o","price":{"in":2.5,"out":10,"cache_read":1.25,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"azure","id":"gpt-4o","price":{"in":2.75,"out":11,"cache_read":1.375,"cache_write":0,"reasoning":null},"tiers":[],"region":"eu"}]},
{"id":"gpt-4o-mini","name":"GPT-4o mini","vendor":"openai","family":"gpt-4o","released":"2024-07-18","deprecated":"","context":128000,"max_output":16384,
 "input":["text","image"],"output":["text"],"caps":["tools","vision","json_schema","prompt_caching"],"tier":"light","quality":null,"aliases":[],
 "offerings":[{"provider":"openai","id":"gpt-4o-mini","price":{"in":0.15,"out":0.6,"cache_read":0.075,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"o1","name":"o1","vendor":"openai","family":"o1","released":"2024-12-17","deprecated":"","context":200000,"max_output":100000,
 "input":["text","image"],"output":["text"],"caps":["tools","reasoning"],"tier":"frontier","quality":88.5,"aliases":[],
 "offerings":[{"provider":"openai","id":"o1","price":{"in":15,"out":60,"cache_read":7.5,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"claude-sonnet-4","name":"Claude Sonnet 4","vendor":"anthropic","family":"claude-sonnet","released":"2025-05-22","deprecated":"","context":1000000,"max_output":64000,
 "input":["text","image","pdf"],"output":["text"],"caps":["tools","vision","reasoning","prompt_caching","pdf_input"],"tier":"frontier","quality":null,
 "aliases":["claude-sonnet-4-20250514","anthropic/claude-sonnet-4"],
 "offerings":[{"provider":"anthropic","id":"claude-sonnet-4-20250514","price":{"in":3,"out":15,"cache_read":0.3,"cache_write":3.75,"reasoning":null},
               "tiers":[{"above":200000,"in":6,"out":22.5,"cache_read":0.6,"cache_write":7.5}],"region":null}]},
{"id":"claude-3-5-haiku","name":"Claude Haiku 3.5","vendor":"anthropic","family":"claude-haiku","released":"2024-10-22","deprecated":"2020-01-01","context":200000,"max_output":8192,
 "input":["text"],"output":["text"],"caps":["tools","prompt_caching"],"tier":"light","quality":null,"aliases":[],
 "offerings":[{"provider":"anthropic","id":"claude-3-5-haiku-20241022","price":{"in":0.8,"out":4,"cache_read":0.08,"cache_write":1,"reasoning":null},"tiers":[],"region":null}]},
{"id":"gemini-2.5-pro","name":"Gemini 2.5 Pro","vendor":"google","family":"gemini-2.5","released":"2025-06-17","deprecated":"","context":1048576,"max_output":65536,
 "input":["text","image","audio","video","pdf"],"output":["text"],"caps":["tools","vision","json_schema","reasoning","prompt_caching","audio_input","pdf_input"],"tier":"frontier","quality":null,"aliases":[],
 "offerings":[{"provider":"google","id":"gemini-2.5-pro","price":{"in":1.25,"out":10,"cache_read":0.31,"cache_write":0,"reasoning":null},
               "tiers":[{"above":200000,"in":2.5,"out":15,"cache_read":0.625,"cache_write":0}],"region":null}]},
{"id":"deepseek-chat","name":"DeepSeek V3.2","vendor":"deepseek","family":"deepseek-v3","released":"2025-09-29","deprecated":"","context":128000,"max_output":8192,
 "input":["text"],"output":["text"],"caps":["tools","json_schema","prompt_caching"],"tier":"standard","quality":null,"aliases":["deepseek/deepseek-chat"],
 "offerings":[{"provider":"deepseek","id":"deepseek-chat","price":{"in":0.28,"out":0.42,"cache_read":0.028,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"openrouter","id":"deepseek/deepseek-chat","price":{"in":0.3,"out":0.85,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"grok-4","name":"Grok 4","vendor":"xai","family":"grok-4","released":"2025-07-09","deprecated":"","context":256000,"max_output":256000,
 "input":["text","image"],"output":["text"],"caps":["tools","vision","reasoning","prompt_caching"],"tier":"frontier","quality":null,"aliases":["x-ai/grok-4"],
 "offerings":[{"provider":"xai","id":"grok-4-0709","price":{"in":3,"out":15,"cache_read":0.75,"cache_write":0,"reasoning":null},
               "tiers":[{"above":128000,"in":6,"out":30,"cache_read":1.5,"cache_write":0}],"region":null}]},
{"id":"mistral-large","name":"Mistral Large","vendor":"mistral","family":"mistral-large","released":"2024-11-18","deprecated":"","context":131072,"max_output":131072,
 "input":["text"],"output":["text"],"caps":["tools","json_schema"],"tier":"strong","quality":null,"aliases":["mistral-large-latest"],
 "offerings":[{"provider":"mistral","id":"mistral-large-latest","price":{"in":2,"out":6,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"llama-3.3-70b","name":"Llama 3.3 70B","vendor":"meta","family":"llama-3","released":"2024-12-06","deprecated":"","context":131072,"max_output":32768,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"standard","quality":null,"aliases":["meta-llama/llama-3.3-70b-instruct"],
 "offerings":[{"provider":"groq","id":"llama-3.3-70b-versatile","price":{"in":0.59,"out":0.79,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"together","id":"meta-llama/Llama-3.3-70B-Instruct-Turbo","price":{"in":0.88,"out":0.88,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"kimi-k2","name":"Kimi K2","vendor":"moonshot","family":"kimi-k2","released":"2025-07-11","deprecated":"","context":131072,"max_output":16384,
 "input":["text"],"output":["text"],"caps":["tools","prompt_caching"],"tier":"strong","quality":null,"aliases":["moonshotai/kimi-k2"],
 "offerings":[{"provider":"moonshot","id":"kimi-k2-0711-preview","price":{"in":0.6,"out":2.5,"cache_read":0.15,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"gemini-1.5-flash","name":"Gemini 1.5 Flash","vendor":"google","family":"gemini-1.5","released":"2024-05-14","deprecated":"2099-01-01","context":1048576,"max_output":8192,
 "input":["text","image"],"output":["text"],"caps":["tools","vision"],"tier":"light","quality":null,"aliases":[],
 "offerings":[{"provider":"google","id":"gemini-1.5-flash","price":{"in":0.075,"out":0.3,"cache_read":0.01875,"cache_write":0,"reasoning":null},
               "tiers":[{"above":128000,"in":0.15,"out":0.6,"cache_read":0.0375,"cache_write":0}],"region":null}]},
{"id":"o4-mini","name":"o4-mini","vendor":"openai","family":"o4","released":"2025-04-16","deprecated":"","context":200000,"max_output":100000,
 "input":["text","image"],"output":["text"],"caps":["tools","vision","reasoning"],"tier":"strong","quality":null,"aliases":[],
 "offerings":[{"provider":"openrouter","id":"openai/o4-mini","price":{"in":1.1,"out":10,"cache_read":0.275,"cache_write":0,"reasoning":5},"tiers":[],"region":null}]}
]})";

} // namespace megarouter::catalog::test
