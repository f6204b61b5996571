// The official OpenAI and Anthropic SDKs pointed at `megarouter serve`, which
// routes to the mock provider. Run by ../sdk_clients.sh with PROXY_URL set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const base = process.env.PROXY_URL;
if (!base) throw new Error('PROXY_URL is not set (run through tests/e2e/sdk_clients.sh)');
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 20000 });
const anthropic = new Anthropic({ baseURL: base, apiKey: 'sk-ant-test', maxRetries: 0, timeout: 20000 });

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('openai chat, not streamed', async () => {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  assert.ok(completion.choices[0].message.content.length > 0);
  assert.ok(completion.usage.prompt_tokens > 0);
});

test('openai chat, streamed, with usage', async () => {
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(text.length > 0);
  assert.ok(usage && usage.completion_tokens > 0);
});

// The script tells the mock to answer gpt-4.1-mini and claude-sonnet-4-5 with a tool call.
test('openai chat tool call, translated to an Anthropic upstream', async () => {
  const completion = await openai.chat.completions.create({
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [weatherTool],
  });
  const call = completion.choices[0].message.tool_calls?.[0];
  assert.ok(call, JSON.stringify(completion));
  assert.equal(call.function.name, 'get_weather');
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
});

test('openai chat tool call, streamed through', async () => {
  const stream = await openai.chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [weatherTool],
    stream: true,
  });
  const names = [];
  for await (const chunk of stream)
    for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) if (call.function?.name) names.push(call.function.name);
  assert.deepEqual(names, ['get_weather']);
});

test('anthropic messages stream routed to an OpenAI-format upstream', async () => {
  const stream = anthropic.messages.stream({
    model: 'gpt-4o-mini',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  const events = [];
  stream.on('streamEvent', (e) => events.push(e.type));
  const message = await stream.finalMessage();
  assert.ok(message.content[0].text.length > 0);
  assert.ok(message.usage.output_tokens > 0);
  assert.ok(events.includes('message_start') && events.includes('message_stop'));
});

test('anthropic messages, tool use, against an Anthropic upstream', async () => {
  const message = await anthropic.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 200,
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: weatherTool.function.parameters }],
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
  });
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.content.find((b) => b.type === 'tool_use')?.name, 'get_weather');
});

test('anthropic count_tokens and models list', async () => {
  const counted = await anthropic.messages.countTokens({
    model: 'claude-haiku-4-5',
    messages: [{ role: 'user', content: 'Hello there, how are you today?' }],
  });
  assert.ok(counted.input_tokens > 0);
  const page = await anthropic.models.list({ limit: 1000 });
  assert.ok(page.data.some((m) => m.id.startsWith('claude-')));
});

test('openai responses stream, translated for an Anthropic upstream', async () => {
  const stream = await openai.responses.create({
    model: 'claude-haiku-4-5',
    instructions: 'Be brief',
    input: [
      { role: 'developer', content: [{ type: 'input_text', text: 'Rules' }] },
      { role: 'user', content: [{ type: 'input_text', text: 'Say hello' }] },
    ],
    stream: true,
  });
  const types = [];
  let completed = null;
  let text = '';
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += event.delta;
    if (event.type === 'response.completed') completed = event.response;
  }
  assert.equal(types[0], 'response.created');
  assert.ok(completed, types.join(','));
  assert.ok(completed.usage.output_tokens > 0);
  assert.ok(text.length > 0);
});

test('openai responses stream passed through to an OpenAI upstream, with a function tool', async () => {
  const stream = await openai.responses.create({
    model: 'gpt-4.1-mini',
    input: 'Weather in Paris?',
    tools: [{ type: 'function', name: 'get_weather', parameters: weatherTool.function.parameters }],
    stream: true,
  });
  let completed = null;
  for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
  assert.ok(completed);
  assert.ok(completed.output.some((item) => item.type === 'function_call' && item.name === 'get_weather'));
});

test('unknown model is a 404 with model_not_found', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'no-such-model-xyz', messages: [{ role: 'user', content: 'hi' }] }),
    (error) => error.status === 404 && error.code === 'model_not_found',
  );
});

test('anthropic tool use streamed from an OpenAI-format upstream', async () => {
  const stream = anthropic.messages.stream({
    model: 'gpt-4.1-mini',
    max_tokens: 200,
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: weatherTool.function.parameters }],
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
  });
  const message = await stream.finalMessage();
  const use = message.content.find((b) => b.type === 'tool_use');
  assert.equal(use?.name, 'get_weather');
  assert.deepEqual(use.input, { city: 'Paris' });
  assert.equal(message.stop_reason, 'tool_use');
});

test('a stream cut midway raises an error in both SDKs', async () => {
  const openaiStream = await openai.chat.completions.create({
    model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true,
  });
  await assert.rejects(async () => { for await (const _ of openaiStream) {} });
  const anthropicStream = anthropic.messages.stream({
    model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }],
  });
  await assert.rejects(anthropicStream.finalMessage());
});
