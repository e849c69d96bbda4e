/**
 * Published classes. A `WeaveObject` subclass (or any class given to `registerObjectClass`) is
 * stored with its class name and base classes, as Weave writes objects (`_type`, `_class_name`,
 * `_bases`, docs/protocol.md §8.3), and `client.get(ref)` rebuilds an instance of the registered class.
 */

/** The base of published classes: a name (the object id when published) and a description. */
export class WeaveObject {
  name?: string;
  description?: string;

  constructor(fields: { name?: string; description?: string } = {}) {
    if (fields.name !== undefined) this.name = fields.name;
    if (fields.description !== undefined) this.description = fields.description;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: classes with constructors of any shape can be registered.
export type ObjectClass = abstract new (...args: any[]) => object;

const registeredClasses = new Map<string, ObjectClass>();
const registeredNames = new WeakMap<ObjectClass, string>();

/**
 * Lets `client.get` rebuild instances of `cls` from objects stored with `_class_name` = `name`
 * (default: the class's own name). Rebuilding does not run the constructor: the instance gets the
 * class's prototype and the stored fields. WeaveObject subclasses are registered when first
 * published; register them yourself to read them in a process that has not published one.
 */
export function registerObjectClass(cls: ObjectClass, name: string = cls.name): void {
  if (!name) throw new TypeError('registerObjectClass needs a named class');
  registeredClasses.set(name, cls);
  registeredNames.set(cls, name);
}

export function registeredClass(name: string): ObjectClass | undefined {
  return registeredClasses.get(name);
}

export interface PublishedClass {
  cls: ObjectClass;
  /** The name it is stored under (`_class_name`). */
  name: string;
}

/** The registered or WeaveObject class of an instance, if it is stored as a class at all. */
export function publishedClassOf(value: object): PublishedClass | undefined {
  const maker = (value as { constructor?: unknown }).constructor;
  if (typeof maker !== 'function') return undefined;
  const cls = maker as ObjectClass;
  const name = registeredNames.get(cls);
  if (name !== undefined) return { cls, name };
  if (value instanceof WeaveObject && cls.name) {
    registerObjectClass(cls);
    return { cls, name: cls.name };
  }
  return undefined;
}

/**
 * `_bases` as Weave writes them: the superclasses nearest first, ending with `Object` and
 * `BaseModel` (Weave's own `Object` base; `WeaveObject` itself is written as `Object`).
 */
export function weaveBases(cls: ObjectClass): string[] {
  const bases: string[] = [];
  let parent: unknown = Object.getPrototypeOf(cls);
  while (typeof parent === 'function' && parent !== WeaveObject && parent.name) {
    bases.push(registeredNames.get(parent as ObjectClass) ?? parent.name);
    parent = Object.getPrototypeOf(parent);
  }
  bases.push('Object', 'BaseModel');
  return bases;
}

/** Keys of the stored form that describe the class rather than hold data. */
export const CLASS_KEYS: ReadonlySet<string> = new Set(['_type', '_class_name', '_bases']);
