/**
 * A conversation (chat.ts) drawn as messages: role, text, tool calls with their arguments, tool
 * results. Everything is text (React escapes it); images are drawn only from data: URLs the
 * call carried, never fetched from a logged address, which is shown as text instead.
 */
import { useState } from 'react';
import { JsonView } from '../../components/json-view';
import type { ChatMessage, ChatPart, ChatTool, Conversation } from './chat';

/** Text longer than this is cut until "show all" is pressed. */
const LONG_TEXT = 4000;

export function ChatView({ conversation }: { conversation: Conversation }) {
  return (
    <div className="chat" data-format={conversation.format}>
      {conversation.messages.map((message, index) => (
        // Messages have no ids; their order is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: a logged conversation never reorders.
        <ChatMessageView key={index} message={message} />
      ))}
      {conversation.tools.length > 0 && <ChatTools tools={conversation.tools} />}
      {(conversation.stopReason || conversation.model) && (
        <p className="chat-meta">
          {conversation.model && <span>model {conversation.model}</span>}
          {conversation.stopReason && <span>stopped: {conversation.stopReason}</span>}
        </p>
      )}
    </div>
  );
}

/** The tools the model could call: names and descriptions, each schema folded away. */
function ChatTools({ tools }: { tools: readonly ChatTool[] }) {
  return (
    <details className="chat-tools">
      <summary>
        {tools.length === 1 ? '1 tool offered' : `${tools.length} tools offered`}:{' '}
        {tools.map((tool) => tool.name).join(', ')}
      </summary>
      <ul>
        {tools.map((tool, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: tools keep their logged order; names may repeat.
          <li key={index} className="chat-tool">
            <code>{tool.name}</code>
            {tool.description && <p className="chat-tool-description">{tool.description}</p>}
            <JsonView value={tool.parameters} collapsed={1} />
          </li>
        ))}
      </ul>
    </details>
  );
}

function ChatMessageView({ message }: { message: ChatMessage }) {
  return (
    <div className={`chat-message chat-role-${roleClass(message.role)}`}>
      <div className="chat-role">
        {message.role}
        {message.name && <span className="chat-name">{message.name}</span>}
        {message.toolCallId && <span className="chat-name">answers {message.toolCallId}</span>}
      </div>
      {message.parts.length === 0 && <p className="chat-empty">(no content)</p>}
      {message.parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: parts keep their logged order.
        <ChatPartView key={index} part={part} />
      ))}
    </div>
  );
}

function roleClass(role: string): string {
  return ['system', 'developer', 'user', 'assistant', 'tool', 'function'].includes(role) ? role : 'other';
}

function ChatPartView({ part }: { part: ChatPart }) {
  switch (part.kind) {
    case 'text':
      return <ChatText text={part.text} />;
    case 'image':
      return part.source.startsWith('data:image/') ? (
        <img className="chat-image" src={part.source} alt="From the conversation" />
      ) : (
        <p className="chat-image-link">
          image: <code>{part.source}</code>
        </p>
      );
    case 'tool_call':
      return (
        <div className="chat-tool-call">
          <div className="chat-tool-head">
            <span className="chat-tool-label">tool call</span> <code>{part.name}</code>
            {part.id && <span className="chat-tool-id">{part.id}</span>}
          </div>
          <pre className="chat-arguments">{prettyArguments(part.arguments)}</pre>
        </div>
      );
    case 'tool_result':
      return (
        <div className={`chat-tool-result${part.isError ? ' failed' : ''}`}>
          <div className="chat-tool-head">
            <span className="chat-tool-label">{part.isError ? 'tool error' : 'tool result'}</span>
            {part.toolCallId && <span className="chat-tool-id">{part.toolCallId}</span>}
          </div>
          {part.parts.map((inner, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: parts keep their logged order.
            <ChatPartView key={index} part={inner} />
          ))}
        </div>
      );
    case 'other':
      return (
        <div className="chat-other">
          <JsonView value={part.value} collapsed={1} />
        </div>
      );
  }
}

/** Tool arguments are JSON text: shown indented when they parse, as sent when they do not. */
function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function ChatText({ text }: { text: string }) {
  const [showAll, setShowAll] = useState(false);
  const cut = !showAll && text.length > LONG_TEXT;
  return (
    <div className="chat-text">
      {cut ? `${text.slice(0, LONG_TEXT)}…` : text}
      {cut && (
        <button type="button" className="link-button" onClick={() => setShowAll(true)}>
          show all ({text.length.toLocaleString()} characters)
        </button>
      )}
    </div>
  );
}
