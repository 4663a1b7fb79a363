// Module-level zod schemas built on first use. Building a zod schema costs far more than parsing with it once
// (every object, string and optional is an instance with its own definition and checks), and a module's
// schemas were built when it loaded: most of a store command's start went to building schemas of adapters
// and domain modules it loads but whose items it never reads (`status` built the digest, watch and
// statistics schemas). A lazy schema is the schema itself to every reader (its properties, methods, `in`,
// `instanceof`, property definitions) and is built when something first looks at it.
import type { z } from 'zod';

/** The schema `build` makes, made the first time anything reads it. */
export function lazySchema<T extends z.ZodType>(build: () => T): T {
  let built: T | undefined;
  const schema = () => {
    built ??= build();
    return built;
  };
  // Every operation goes to the built schema, so what is defined on the lazy one (a test's spy) is defined on
  // it. Its own properties are reported configurable: a proxy may not report a non-configurable property its
  // (empty) target lacks.
  return new Proxy(Object.create(null) as T, {
    get: (_, key) => Reflect.get(schema(), key),
    set: (_, key, value) => Reflect.set(schema(), key, value),
    has: (_, key) => Reflect.has(schema(), key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(schema(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(schema(), key),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    ownKeys: () => Reflect.ownKeys(schema()),
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}
