/**
 * Generators returned by an op (directly, or by an async op) are traced until they are
 * exhausted: each step runs inside the call's context, so ops called while iterating become its
 * children, and the call ends when iteration ends (done, `return()`, or an error). The yielded
 * values, serialized as they come within the call's size budget, are its output.
 */

import type { JsonValue } from '../serialize/serialize.js';
import type { Call } from './call.js';
import type { CallRecorder } from './call-recorder.js';
import { contextStorage } from './context.js';

/** Wraps `value` if it is a generator object; returns anything else unchanged. */
export function traceIteration(recorder: CallRecorder, call: Call, value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Generator]') return new TracedGenerator(recorder, call, value as Generator);
  if (tag === '[object AsyncGenerator]')
    return new TracedAsyncGenerator(recorder, call, value as AsyncGenerator);
  return value;
}

/**
 * What both wrappers share: the yielded values (copied when yielded; recording stops once they
 * fill the size budget), and ending the call when iteration ends.
 */
class IterationTrace {
  private readonly values: JsonValue[] = [];
  private bytes = 0;
  private omitted = 0;

  constructor(
    private readonly recorder: CallRecorder,
    readonly call: Call,
  ) {}

  /** Records a step's result; ends the call when iteration is done. */
  stepped(result: IteratorResult<unknown>): IteratorResult<unknown> {
    if (result.done) this.recorder.endCall(this.call, this.output(), false);
    else this.record(result.value);
    return result;
  }

  failed(error: unknown): never {
    this.recorder.endCall(this.call, undefined, true, error);
    throw error;
  }

  private record(value: unknown): void {
    if (this.omitted > 0) {
      this.omitted += 1;
      return;
    }
    const serialized = this.recorder.serializeValue(value);
    if (this.bytes + serialized.bytes > this.recorder.maxValueBytes) {
      this.omitted = 1;
      this.recorder.noteTruncated();
      return;
    }
    this.bytes += serialized.bytes;
    this.values.push(serialized.value);
  }

  private output(): JsonValue[] {
    return this.omitted === 0
      ? this.values
      : [...this.values, { _type: 'Truncated', omitted_items: this.omitted }];
  }
}

class TracedGenerator implements Generator {
  private readonly trace: IterationTrace;

  constructor(
    recorder: CallRecorder,
    call: Call,
    private readonly inner: Generator,
  ) {
    this.trace = new IterationTrace(recorder, call);
  }

  next(value?: unknown): IteratorResult<unknown> {
    return this.step(() => this.inner.next(value));
  }

  return(value?: unknown): IteratorResult<unknown> {
    return this.step(() => this.inner.return(value));
  }

  throw(error?: unknown): IteratorResult<unknown> {
    return this.step(() => this.inner.throw(error));
  }

  [Symbol.iterator](): Generator {
    return this;
  }

  get [Symbol.toStringTag](): string {
    return 'Generator';
  }

  private step(advance: () => IteratorResult<unknown>): IteratorResult<unknown> {
    try {
      return this.trace.stepped(contextStorage.run(this.trace.call, advance));
    } catch (error) {
      return this.trace.failed(error);
    }
  }
}

class TracedAsyncGenerator implements AsyncGenerator {
  private readonly trace: IterationTrace;

  constructor(
    recorder: CallRecorder,
    call: Call,
    private readonly inner: AsyncGenerator,
  ) {
    this.trace = new IterationTrace(recorder, call);
  }

  next(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.step(() => this.inner.next(value));
  }

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    return this.step(() => this.inner.return(value));
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    return this.step(() => this.inner.throw(error));
  }

  [Symbol.asyncIterator](): AsyncGenerator {
    return this;
  }

  get [Symbol.toStringTag](): string {
    return 'AsyncGenerator';
  }

  private async step(advance: () => Promise<IteratorResult<unknown>>): Promise<IteratorResult<unknown>> {
    let result: IteratorResult<unknown>;
    try {
      result = await contextStorage.run(this.trace.call, advance);
    } catch (error) {
      return this.trace.failed(error);
    }
    return this.trace.stepped(result);
  }
}
