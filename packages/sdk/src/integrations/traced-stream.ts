/**
 * A provider's stream of events, traced: the caller iterates it as before, each event is also
 * given to an accumulator that re-assembles the final answer, and the call ends when the stream
 * does — read to the end, stopped early by the caller (`break`), failed, or dropped unread (when
 * the stream is garbage-collected). Its output is the answer assembled so far.
 *
 * The official clients' Stream class is built from an iterator factory and its AbortController
 * (`new Stream(iterator, controller)`); a stream of that class is made around the traced iterator,
 * so `tee()`, `toReadableStream()` and `controller` keep working through the trace.
 */
import type { Finish } from './traced-request.js';

export interface StreamAccumulator {
  /** Takes one event as the provider sent it; false hides it from the caller. */
  add(event: unknown): boolean;
  /** The answer assembled from the events so far. */
  output(): unknown;
}

/** Streams dropped before they ended: their calls end when the stream is collected. */
const dropped = new FinalizationRegistry<() => void>((endCall) => endCall());

type StreamConstructor = new (iterator: () => AsyncIterator<unknown>, controller: AbortController) => object;

export function traceStream(
  stream: AsyncIterable<unknown> & { controller?: unknown },
  accumulator: StreamAccumulator,
  finish: Finish,
  onInternalError: (error: unknown) => void,
): AsyncIterable<unknown> {
  const end = (error?: unknown): void =>
    finish(error === undefined ? accumulator.output() : undefined, error);
  const endDropped = (): void => end();
  const unread = {};
  const iterate = (): AsyncIterator<unknown> => {
    const source = stream[Symbol.asyncIterator]();
    const iterator: AsyncIterator<unknown> = {
      async next() {
        try {
          for (;;) {
            const result = await source.next();
            if (result.done) {
              end();
              return result;
            }
            if (accept(accumulator, result.value, onInternalError)) return result;
          }
        } catch (error) {
          end(error);
          throw error;
        }
      },
      async return(value?: unknown) {
        // The caller stopped early: what arrived so far is the output.
        end();
        return (await source.return?.(value)) ?? { done: true, value };
      },
      async throw(error?: unknown) {
        end(error);
        if (source.throw) return source.throw(error);
        throw error;
      },
    };
    // Once it is being read, the stream object itself may be dropped (`for await` over a
    // temporary keeps only the iterator): from now on the iterator is what must stay reachable.
    dropped.unregister(unread);
    dropped.register(iterator, endDropped);
    return iterator;
  };
  const traced = rebuild(stream, iterate) ?? passThrough(stream, iterate);
  // The registry's callback refers to neither the stream nor its iterator, or neither could go.
  dropped.register(traced, endDropped, unread);
  return traced as AsyncIterable<unknown>;
}

/** Any other async iterable: the same object, iterated through the trace. */
function passThrough(stream: AsyncIterable<unknown>, iterate: () => AsyncIterator<unknown>): object {
  return new Proxy(stream, {
    get(target, property) {
      if (property === Symbol.asyncIterator) return iterate;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function accept(
  accumulator: StreamAccumulator,
  event: unknown,
  onInternalError: (error: unknown) => void,
): boolean {
  try {
    return accumulator.add(event);
  } catch (error) {
    onInternalError(error);
    return true;
  }
}

/** A stream of the provider's own class around the traced iterator, when it is one. */
function rebuild(
  stream: AsyncIterable<unknown> & { controller?: unknown },
  iterate: () => AsyncIterator<unknown>,
): object | undefined {
  const Constructor = (stream as { constructor?: unknown }).constructor;
  if (typeof Constructor !== 'function' || !(stream.controller instanceof AbortController)) return undefined;
  try {
    return new (Constructor as StreamConstructor)(iterate, stream.controller);
  } catch {
    return undefined;
  }
}
