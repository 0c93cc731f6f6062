import { EnvironmentProviders, Provider } from '@angular/core';

/**
 * The kinds of optional feature that `provideTokenRefresh` accepts, one per `with*()` function.
 *
 * @publicApi
 */
export type TokenRefreshFeatureKind =
  'cross-tab' | 'step-up' | 'offline-hold' | 'resume-refresh' | 'dpop';

/**
 * An optional capability of `provideTokenRefresh`, made by a `with*()` function such as
 * {@link withCrossTab}, in the shape of Angular's own `HttpFeature` and `RouterFeature`: a kind and
 * the providers that switch the capability on. A feature reaches the core only through the providers
 * the core defines, so an app that does not use a feature does not ship its code.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }, withCrossTab());
 * ```
 *
 * @publicApi
 */
export interface TokenRefreshFeature<
  Kind extends TokenRefreshFeatureKind = TokenRefreshFeatureKind,
> {
  /** Which feature this is; `provideTokenRefresh` rejects the same kind given twice. */
  readonly ɵkind: Kind;
  /** The providers that switch the feature on. */
  readonly ɵproviders: readonly (Provider | EnvironmentProviders)[];
}

/**
 * Makes a {@link TokenRefreshFeature}. Internal: each `with*()` function calls it.
 *
 * @param kind - The feature's kind.
 * @param providers - The providers that switch it on.
 */
export function tokenRefreshFeature<Kind extends TokenRefreshFeatureKind>(
  kind: Kind,
  providers: readonly (Provider | EnvironmentProviders)[],
): TokenRefreshFeature<Kind> {
  return { ɵkind: kind, ɵproviders: providers };
}
