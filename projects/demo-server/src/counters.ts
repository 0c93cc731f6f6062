/** What the server counted since it started (or since the last `/__test/reset-stats`). */
export interface Counters {
  /** Refresh calls whose DPoP proof passed (all of them without DPoP); refused proofs are below. */
  refreshCalls: number;
  refreshSuccesses: number;
  refreshRejections: number;
  /** Refreshes that presented the previous token within the rotation grace window. */
  graceReplays: number;
  /** 401s sent: no token, an invalid one (`invalid_token`), a step-up or a DPoP challenge. */
  unauthorized: number;
  /** 403s sent for a scope the token lacks (`insufficient_scope`). */
  forbidden: number;
  apiCalls: number;
  reuseDetected: number;
  loginFailures: number;
  /** Logins refused with 429 before any password check. */
  loginsThrottled: number;
  /** `DEMO_DPOP=on`: login and refresh calls answered 400 `use_dpop_nonce`. */
  dpopTokenNonceChallenges: number;
  /** `DEMO_DPOP=on`: protected calls answered 401 `use_dpop_nonce`. */
  dpopResourceNonceChallenges: number;
  /** `DEMO_DPOP=on`: requests refused with `invalid_dpop_proof`, at any endpoint. */
  dpopProofRejections: number;
}

export function emptyCounters(): Counters {
  return {
    refreshCalls: 0,
    refreshSuccesses: 0,
    refreshRejections: 0,
    graceReplays: 0,
    unauthorized: 0,
    forbidden: 0,
    apiCalls: 0,
    reuseDetected: 0,
    loginFailures: 0,
    loginsThrottled: 0,
    dpopTokenNonceChallenges: 0,
    dpopResourceNonceChallenges: 0,
    dpopProofRejections: 0,
  };
}
