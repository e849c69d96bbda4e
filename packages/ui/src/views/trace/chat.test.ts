import { describe, expect, it } from 'vitest';
import { conversationFromInputs, conversationFromOutput } from './chat';

describe('OpenAI chat inputs', () => {
  it('reads system, user, assistant with tool calls, and tool messages', () => {
    const conversation = conversationFromInputs({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      ],
    });
    expect(conversation?.format).toBe('openai');
    expect(conversation?.model).toBe('gpt-4o-mini');
    expect(conversation?.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
    ]);
    expect(conversation?.messages[2]?.parts).toEqual([
      { kind: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
    expect(conversation?.messages[3]?.toolCallId).toBe('call_1');
  });

  it('reads content given as a list of parts, keeping unknown parts as JSON', () => {
    const audio = { type: 'input_audio', input_audio: { data: '…', format: 'wav' } };
    const conversation = conversationFromInputs({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            audio,
          ],
        },
      ],
    });
    expect(conversation?.messages[0]?.parts).toEqual([
      { kind: 'text', text: 'What is this?' },
      { kind: 'image', source: 'https://example.com/cat.png' },
      { kind: 'other', value: audio },
    ]);
  });

  it('looks inside a lone object argument (an op wrapping create(params))', () => {
    const conversation = conversationFromInputs({
      arg0: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(conversation?.messages[0]?.parts).toEqual([{ kind: 'text', text: 'hi' }]);
  });

  it('shows object-valued tool arguments as JSON text', () => {
    const conversation = conversationFromInputs({
      messages: [
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
      ],
    });
    expect(conversation?.messages[0]?.parts[0]).toMatchObject({ kind: 'tool_call', name: 'f' });
    const part = conversation?.messages[0]?.parts[0];
    expect(part?.kind === 'tool_call' && JSON.parse(part.arguments)).toEqual({ a: 1 });
  });
});

describe('Anthropic inputs', () => {
  it('reads the system prompt and text, tool_use and tool_result blocks', () => {
    const conversation = conversationFromInputs({
      model: 'claude-sonnet-4',
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'tu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: [{ type: 'text', text: '18°C' }] }],
        },
      ],
    });
    expect(conversation?.format).toBe('anthropic');
    expect(conversation?.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
    ]);
    expect(conversation?.messages[2]?.parts[1]).toMatchObject({
      kind: 'tool_call',
      id: 'tu_1',
      name: 'get_weather',
    });
    expect(conversation?.messages[3]?.parts[0]).toEqual({
      kind: 'tool_result',
      toolCallId: 'tu_1',
      isError: false,
      parts: [{ kind: 'text', text: '18°C' }],
    });
  });

  it('reads a system prompt given as text blocks, and a failed tool result', () => {
    const conversation = conversationFromInputs({
      system: [{ type: 'text', text: 'Rules.' }],
      messages: [
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'x', content: 'boom', is_error: true }],
        },
      ],
    });
    expect(conversation?.messages[0]?.parts).toEqual([{ kind: 'text', text: 'Rules.' }]);
    expect(conversation?.messages[1]?.parts[0]).toMatchObject({ kind: 'tool_result', isError: true });
  });

  it('turns a base64 image into a data URL only for image media types', () => {
    const image = (mediaType: string) =>
      conversationFromInputs({
        system: 's',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: mediaType, data: 'AAAA' } }],
          },
        ],
      })?.messages[1]?.parts[0];
    expect(image('image/png')).toEqual({ kind: 'image', source: 'data:image/png;base64,AAAA' });
    expect(image('text/html')).toMatchObject({ kind: 'other' });
  });
});

describe('outputs', () => {
  it('reads an OpenAI completion: each choice message and the finish reason', () => {
    const conversation = conversationFromOutput({
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'lookup', arguments: '{}' } }],
          },
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    expect(conversation?.stopReason).toBe('tool_calls');
    expect(conversation?.messages[0]?.parts).toEqual([
      { kind: 'tool_call', id: 'c', name: 'lookup', arguments: '{}' },
    ]);
  });

  it('reads an Anthropic message: content blocks and stop_reason', () => {
    const conversation = conversationFromOutput({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4',
      content: [{ type: 'text', text: 'Hello.' }],
      stop_reason: 'end_turn',
    });
    expect(conversation).toEqual({
      format: 'anthropic',
      messages: [
        {
          role: 'assistant',
          name: undefined,
          toolCallId: undefined,
          parts: [{ kind: 'text', text: 'Hello.' }],
        },
      ],
      tools: [],
      stopReason: 'end_turn',
      model: 'claude-sonnet-4',
    });
  });

  it('reads an OpenAI response: text, function calls and other items in order, and its status', () => {
    const conversation = conversationFromOutput({
      id: 'resp_1',
      object: 'response',
      model: 'gpt-4.1',
      status: 'completed',
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [] },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Looking it up.', annotations: [] }],
        },
        { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    });
    expect(conversation?.format).toBe('openai-responses');
    expect(conversation?.stopReason).toBe('completed');
    expect(conversation?.model).toBe('gpt-4.1');
    expect(conversation?.messages).toHaveLength(1);
    expect(conversation?.messages[0]?.role).toBe('assistant');
    expect(conversation?.messages[0]?.parts).toEqual([
      { kind: 'other', value: { type: 'reasoning', id: 'rs_1', summary: [] } },
      { kind: 'text', text: 'Looking it up.' },
      { kind: 'tool_call', id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
  });

  it('says why an OpenAI response is incomplete', () => {
    const conversation = conversationFromOutput({
      object: 'response',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Par' }] }],
    });
    expect(conversation?.stopReason).toBe('max_output_tokens');
  });
});

describe('OpenAI responses inputs', () => {
  it('reads instructions and text input', () => {
    const conversation = conversationFromInputs({
      model: 'gpt-4.1',
      instructions: 'Answer in French.',
      input: 'What is the capital of France?',
    });
    expect(conversation?.format).toBe('openai-responses');
    expect(conversation?.messages.map((message) => [message.role, message.parts])).toEqual([
      ['system', [{ kind: 'text', text: 'Answer in French.' }]],
      ['user', [{ kind: 'text', text: 'What is the capital of France?' }]],
    ]);
  });

  it('reads input items: messages, a function call and its output', () => {
    const conversation = conversationFromInputs({
      model: 'gpt-4.1',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
        { type: 'function_call', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_9', output: '{"temp":21}' },
      ],
    });
    expect(conversation?.messages).toEqual([
      {
        role: 'user',
        name: undefined,
        toolCallId: undefined,
        parts: [{ kind: 'text', text: 'Weather in Paris?' }],
      },
      {
        role: 'assistant',
        name: undefined,
        toolCallId: undefined,
        parts: [{ kind: 'tool_call', id: 'call_9', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      { role: 'tool', name: undefined, toolCallId: 'call_9', parts: [{ kind: 'text', text: '{"temp":21}' }] },
    ]);
  });

  it('does not take an op with an `input` argument but no model for a responses call', () => {
    expect(conversationFromInputs({ input: 'some text' })).toBeUndefined();
    expect(conversationFromInputs({ input: ['a', 'b'], model: 'm', messages: 'x' })).toBeUndefined();
  });

  it('falls back to JSON for an input item of no known shape', () => {
    expect(conversationFromInputs({ model: 'm', input: [{ role: 'wizard', content: 'x' }] })).toBeUndefined();
  });
});

describe('tools offered', () => {
  const weather = {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  };

  it('reads OpenAI chat tools', () => {
    const conversation = conversationFromInputs({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Now', parameters: weather } },
      ],
    });
    expect(conversation?.tools).toEqual([{ name: 'get_weather', description: 'Now', parameters: weather }]);
  });

  it('reads Anthropic tools, built-in ones by name', () => {
    const conversation = conversationFromInputs({
      model: 'claude-sonnet-4',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [
        { name: 'get_weather', description: 'Now', input_schema: weather },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
      ],
    });
    expect(conversation?.tools).toEqual([
      { name: 'get_weather', description: 'Now', parameters: weather },
      {
        name: 'web_search',
        description: undefined,
        parameters: { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
      },
    ]);
  });

  it('reads OpenAI responses tools, and lists entries of no known shape without failing', () => {
    const conversation = conversationFromInputs({
      model: 'gpt-4.1',
      input: 'Weather?',
      tools: [{ type: 'function', name: 'get_weather', parameters: weather }, { type: 'web_search' }, 42],
    });
    expect(conversation?.tools.map((tool) => tool.name)).toEqual(['get_weather', 'web_search', 'tool']);
    expect(conversation?.tools[2]?.parameters).toBe(42);
  });

  it('is empty when the request offered none', () => {
    expect(conversationFromInputs({ messages: [{ role: 'user', content: 'hi' }] })?.tools).toEqual([]);
  });
});

describe('anything else falls back to JSON', () => {
  const notChat: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'hello'],
    ['a number', 42],
    ['a list', [{ role: 'user', content: 'hi' }]],
    ['no messages', { prompt: 'hi' }],
    ['messages not a list', { messages: 'hi' }],
    ['empty messages', { messages: [] }],
    ['a message that is not an object', { messages: ['hi'] }],
    ['an unknown role', { messages: [{ role: 'wizard', content: 'hi' }] }],
    ['a role that is not text', { messages: [{ role: 1, content: 'hi' }] }],
    ['content that is a number', { messages: [{ role: 'user', content: 5 }] }],
    ['a part without a type', { messages: [{ role: 'user', content: [{ text: 'hi' }] }] }],
    ['tool_calls not a list', { messages: [{ role: 'assistant', tool_calls: 'x' }] }],
    [
      'a tool call without a function name',
      { messages: [{ role: 'assistant', tool_calls: [{ function: {} }] }] },
    ],
    ['an Anthropic system that is a number', { system: 3, messages: [{ role: 'user', content: 'hi' }] }],
    ['an Anthropic system role in messages', { system: 's', messages: [{ role: 'system', content: 'hi' }] }],
    [
      'an Anthropic text block without text',
      { system: 's', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    ],
    [
      'a tool_use without a name',
      { messages: [{ role: 'assistant', content: [{ type: 'tool_use', input: {} }] }] },
    ],
    ['two object arguments', { a: { messages: [{ role: 'user', content: 'x' }] }, b: {} }],
  ];
  it.each(notChat)('inputs: %s', (_name, inputs) => {
    expect(conversationFromInputs(inputs)).toBeUndefined();
  });

  const notChatOutputs: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'done'],
    ['empty choices', { choices: [] }],
    ['a choice without a message', { choices: [{}] }],
    ['a choice message with a bad role', { choices: [{ message: { role: 'x', content: 'y' } }] }],
    ['Anthropic-like content that is text', { role: 'assistant', content: 'hi' }],
    ['another type of object', { type: 'completion', role: 'assistant', content: [] }],
    [
      'a cyclic-looking deep object',
      { choices: [{ message: { role: 'assistant', content: { nested: true } } }] },
    ],
  ];
  it.each(notChatOutputs)('outputs: %s', (_name, output) => {
    expect(conversationFromOutput(output)).toBeUndefined();
  });

  it('never throws on arguments that cannot be stringified', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const conversation = conversationFromInputs({
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: cyclic } }] },
      ],
    });
    expect(conversation?.messages[0]?.parts[0]).toMatchObject({ kind: 'tool_call', name: 'f' });
  });
});
