/**
 * The browser window's `localStorage` or `sessionStorage`, or `null` where there is none. Internal.
 *
 * Reads only a browser `window`'s storage, never a server runtime's own global `localStorage`, which
 * every request a server renders would share. Reading the property itself throws a SecurityError
 * where storage is disabled (some sandboxed iframes and privacy modes): that is `null` too.
 *
 * @param name - Which of the two storages.
 */
export function browserStorage(name: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return (
      (globalThis as { window?: Partial<Record<typeof name, Storage>> }).window?.[name] ?? null
    );
  } catch {
    // Storage is disabled here: behave as on the server, with no storage.
    return null;
  }
}
