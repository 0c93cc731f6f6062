/** What the demo server tells the app through /demo-config.js, loaded before the app starts. */
export interface DemoConfig {
  readonly refreshStyle: 'body' | 'cookie';
}

/** The server's choice, or the JSON-body style when the app runs without the demo server. */
export function readDemoConfig(): DemoConfig {
  const config = (globalThis as { demoConfig?: Partial<DemoConfig> }).demoConfig;
  return { refreshStyle: config?.refreshStyle === 'cookie' ? 'cookie' : 'body' };
}
