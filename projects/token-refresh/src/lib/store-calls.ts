import { Observable } from 'rxjs';

import { TokenRefreshError } from './errors';
import { MaybePromise } from './token-store';

/**
 * Calls one `TokenStore` method and delivers its result, synchronous or promised, as an Observable.
 *
 * A synchronous result is delivered synchronously, so a synchronous store adds no microtask to a
 * request. A throw or a rejection becomes a `TokenRefreshError` of code `store-failed` naming the
 * method, so a broken store fails the request instead of leaving it hanging.
 *
 * @param method - The method's name, for the error message.
 * @param call - Calls the method.
 */
export function callStore<T>(method: string, call: () => MaybePromise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let result: MaybePromise<T>;
    try {
      result = call();
    } catch (error) {
      // A synchronous store that throws, e.g. storage quota exceeded or a bug in a custom store.
      subscriber.error(storeFailed(method, error));
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => {
          subscriber.next(value);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(storeFailed(method, error)),
      );
    } else {
      subscriber.next(result);
      subscriber.complete();
    }
  });
}

function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

function storeFailed(method: string, cause: unknown): TokenRefreshError {
  return new TokenRefreshError(
    'store-failed',
    `TokenStore.${method}() threw or rejected; see \`cause\`.`,
    { cause },
  );
}
