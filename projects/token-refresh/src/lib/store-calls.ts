import { isObservable, Observable, of, switchMap } from 'rxjs';

import { TokenRefreshError } from './errors';
import { MaybePromise } from './token-store';

/**
 * A value known now, or one that arrives later through an Observable. Internal.
 *
 * The per-request path stays synchronous (no Observable, no operator, no microtask) while the store
 * answers synchronously and no refresh is in flight; only then is it cheap enough to run on every
 * request. Everything else goes through Observables.
 */
export type Eventually<T> = T | Observable<T>;

/**
 * Calls one `TokenStore` method. A synchronous result comes back as it is; a promise, a throw or a
 * rejection comes back as an Observable, where failures are a `TokenRefreshError` of code
 * `store-failed` naming the method, so a broken store fails the request instead of hanging it.
 *
 * @param method - The method's name, for the error message.
 * @param call - Calls the method.
 */
export function readStore<T>(method: string, call: () => MaybePromise<T>): Eventually<T> {
  let result: MaybePromise<T>;
  try {
    result = call();
  } catch (error) {
    // A synchronous store that throws, e.g. storage quota exceeded or a bug in a custom store.
    return new Observable<T>((subscriber) => subscriber.error(storeFailed(method, error)));
  }
  if (!isPromiseLike(result)) {
    return result;
  }
  return new Observable<T>((subscriber) => {
    result.then(
      (value) => {
        subscriber.next(value);
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(storeFailed(method, error)),
    );
  });
}

/** {@link readStore}, always as an Observable: for paths that are asynchronous anyway. */
export function callStore<T>(method: string, call: () => MaybePromise<T>): Observable<T> {
  return toObservable(readStore(method, call));
}

/** Applies `next` to a value now, or when it arrives. */
export function andThen<T, R>(
  value: Eventually<T>,
  next: (value: T) => Eventually<R>,
): Eventually<R> {
  return isObservable(value)
    ? value.pipe(switchMap((known) => toObservable(next(known))))
    : next(value);
}

export function toObservable<T>(value: Eventually<T>): Observable<T> {
  return isObservable(value) ? value : of(value);
}

function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

function storeFailed(method: string, cause: unknown): TokenRefreshError {
  return new TokenRefreshError(
    'store-failed',
    ngDevMode
      ? `TokenStore.${method}() threw or rejected; see \`cause\`.`
      : `TokenStore.${method}()`,
    { cause },
  );
}
