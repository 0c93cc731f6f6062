/** What the demo server tells the app through /demo-config.js, loaded before the app starts. */
export interface DemoConfig {
  readonly refreshStyle: 'body' | 'cookie';
  /** `session`: a per-tab store (`DEMO_STORE=session`), so that each tab holds its own session. */
  readonly store: 'default' | 'session';
  /** The library's `refreshTimeout`, when the server sets one (`DEMO_REFRESH_TIMEOUT_MS`). */
  readonly refreshTimeoutMs: number | null;
  /** Whether the server binds tokens to the app's DPoP key (`DEMO_DPOP=on`): `withDpop()`. */
  readonly dpop: boolean;
}

/** The server's choice, or the defaults when the app runs without the demo server. */
export function readDemoConfig(): DemoConfig {
  const config = (globalThis as { demoConfig?: Partial<DemoConfig> }).demoConfig;
  const timeout = config?.refreshTimeoutMs;
  return {
    refreshStyle: config?.refreshStyle === 'cookie' ? 'cookie' : 'body',
    store: config?.store === 'session' ? 'session' : 'default',
    refreshTimeoutMs: typeof timeout === 'number' && timeout > 0 ? timeout : null,
    dpop: config?.dpop === true,
  };
}
