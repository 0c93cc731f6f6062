/*
 * Public API of ngx-token-refresh/testing: helpers for the tests of apps that use ngx-token-refresh.
 */
export { fakeJwt } from './fake-jwt';
export { TestingDpopKeyStore } from './testing-dpop-key-store';
export { provideTokenRefreshTesting } from './provide-token-refresh-testing';
export { TestingTokenStore } from './testing-token-store';
