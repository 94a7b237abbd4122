/**
 * The signals that stop pilot gracefully: SIGINT, SIGTERM, and SIGHUP (its terminal closed).
 * Node resets inherited signal dispositions at start, so `nohup` cannot keep SIGHUP away
 * from pilot anyway: without a listener it would die on the spot and leave its runs
 * `running`. Keep a daemon alive past its terminal with systemd, tmux or `setsid`.
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
